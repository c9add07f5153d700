#include <stdexcept>

#include <boost/test/unit_test.hpp>

#include "providers/ssh/read_files_output.h"
#include "providers/ssh/shell_command.h"

namespace certplan {

BOOST_AUTO_TEST_CASE(shell_quote_plain_and_quotes) {
  BOOST_TEST(shell_quote("/etc/ssl/a b") == "'/etc/ssl/a b'");
  BOOST_TEST(shell_quote("it's") == "'it'\\''s'");
  BOOST_TEST(shell_quote("$(rm -rf /)") == "'$(rm -rf /)'");
  BOOST_TEST(shell_quote("") == "''");
  BOOST_CHECK_THROW(shell_quote(std::string("a\0b", 3)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(parent_and_temporary_paths) {
  BOOST_TEST(parent_directory("/etc/ssl/a.pem") == "/etc/ssl");
  BOOST_TEST(parent_directory("/a.pem") == "/");
  BOOST_TEST(temporary_path("/etc/ssl/a.pem") == "/etc/ssl/.a.pem.certplan-tmp");
  BOOST_TEST(temporary_path("/a.pem") == "/.a.pem.certplan-tmp");
  BOOST_TEST(lock_temporary_word("/d/l") == "'/d/.l.'$$.certplan-tmp");
  BOOST_TEST(lock_temporary_word("/d/it's") == "'/d/.it'\\''s.'$$.certplan-tmp");
  BOOST_CHECK_THROW(parent_directory("relative/a.pem"), std::invalid_argument);
  BOOST_CHECK_THROW(parent_directory("/etc/ssl/"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(write_file_as_ssh_user) {
  const FileCommands commands(FilePrivilege::ssh_user);
  BOOST_TEST(commands.write_file("/c/k.pem", 0600) ==
             "[ -d '/c' ] || (umask 022 && mkdir -p '/c') || exit 1; umask 077; "
             "cat > '/c/.k.pem.certplan-tmp' && chmod 0600 '/c/.k.pem.certplan-tmp' && "
             "mv -f '/c/.k.pem.certplan-tmp' '/c/k.pem' || { rm -f '/c/.k.pem.certplan-tmp'; exit 1; }");
}

BOOST_AUTO_TEST_CASE(write_file_with_sudo) {
  const FileCommands commands(FilePrivilege::sudo);
  BOOST_TEST(commands.write_file("/c/k.pem", 0644) ==
             "[ -d '/c' ] || sudo -n install -d -m 0755 '/c' || exit 1; "
             "sudo -n install -m 0644 /dev/null '/c/.k.pem.certplan-tmp' && "
             "sudo -n tee '/c/.k.pem.certplan-tmp' >/dev/null && "
             "sudo -n mv -f '/c/.k.pem.certplan-tmp' '/c/k.pem' || "
             "{ sudo -n rm -f '/c/.k.pem.certplan-tmp'; exit 1; }");
  BOOST_CHECK_THROW(static_cast<void>(commands.write_file("/c/k.pem", 010000)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(simple_steps) {
  const FileCommands user(FilePrivilege::ssh_user);
  const FileCommands root(FilePrivilege::sudo);
  BOOST_TEST(user.copy_file("/a", "/b") == "cp -p '/a' '/b'");
  BOOST_TEST(root.copy_file("/a", "/b") == "sudo -n cp -p '/a' '/b'");
  BOOST_TEST(root.rename_file("/a", "/b") == "sudo -n mv -f '/a' '/b'");
  BOOST_TEST(root.remove_file("/a") == "sudo -n rm -f '/a'");
  BOOST_TEST(root.list_directory("/d") == "if [ -d '/d' ]; then sudo -n ls -1A '/d'; fi");
  BOOST_CHECK_THROW(static_cast<void>(user.remove_file("-rf")), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(create_exclusive_commands) {
  BOOST_TEST(FileCommands(FilePrivilege::ssh_user).create_exclusive("/l") ==
             "tmp='/l'.tmp-$$; cat > \"$tmp\" || { rm -f \"$tmp\"; exit 1; }; "
             "if ln -T \"$tmp\" '/l' 2>/dev/null; then status=0; elif [ -e '/l' ]; then "
             "status=3; else status=1; fi; rm -f \"$tmp\"; exit $status");
  BOOST_TEST(FileCommands(FilePrivilege::sudo).create_exclusive("/d/l") ==
             "sudo -n install -m 0644 /dev/null '/d/.l.'$$.certplan-tmp && "
             "sudo -n tee '/d/.l.'$$.certplan-tmp >/dev/null || "
             "{ sudo -n rm -f '/d/.l.'$$.certplan-tmp; exit 1; }; "
             "if sudo -n ln -T '/d/.l.'$$.certplan-tmp '/d/l'; then status=0; "
             "elif [ -e '/d/l' ]; then status=3; else status=1; fi; "
             "sudo -n rm -f '/d/.l.'$$.certplan-tmp; exit $status");
}

BOOST_AUTO_TEST_CASE(read_files_command) {
  BOOST_TEST(FileCommands(FilePrivilege::sudo).read_files({"/a"}, "n0") ==
             "if [ -e '/a' ]; then printf 'certplan-begin-n0\\n'; sudo -n cat '/a'; "
             "printf '\\ncertplan-end-n0 %d\\n' $?; else printf 'certplan-missing-n0\\n'; fi");
  BOOST_CHECK_THROW(static_cast<void>(FileCommands(FilePrivilege::sudo).read_files({"/a"}, "n'")),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(read_files_output_entries) {
  const std::string output =
      "certplan-begin-n0\nline\n\ncertplan-end-n0 0\n"
      "certplan-missing-n0\n"
      "certplan-begin-n0\nno newline\ncertplan-end-n0 0\n"
      "certplan-begin-n0\n\ncertplan-end-n0 1\n";
  auto parsed = parse_read_files_output({"/a", "/b", "/c", "/d"}, "n0", output);
  BOOST_TEST_REQUIRE(parsed.has_value());

  BOOST_TEST(parsed.value().at("/a").content.value() == "line\n");
  BOOST_TEST(!parsed.value().at("/b").content.has_value());
  BOOST_TEST(parsed.value().at("/c").content.value() == "no newline");
  BOOST_TEST(parsed.value().at("/d").content.value() == "");
  BOOST_TEST(parsed.value().at("/d").cat_status == 1);
}

BOOST_AUTO_TEST_CASE(read_files_output_malformed) {
  auto truncated = parse_read_files_output({"/a"}, "n0", "certplan-begin-n0\npartial");
  BOOST_TEST_REQUIRE(!truncated.has_value());
  BOOST_TEST(truncated.error().message ==
             "could not parse the output of read_files at \"/a\": no end marker");

  auto short_output = parse_read_files_output({"/a", "/b"}, "n0", "certplan-missing-n0\n");
  BOOST_TEST_REQUIRE(!short_output.has_value());
  BOOST_TEST(short_output.error().message ==
             "could not parse the output of read_files at \"/b\": no begin marker");

  auto extra = parse_read_files_output({"/a"}, "n0", "certplan-missing-n0\nmore");
  BOOST_TEST_REQUIRE(!extra.has_value());
  BOOST_TEST(extra.error().message ==
             "could not parse the output of read_files at \"/a\": unexpected output after the "
             "last file");
}

}  // namespace certplan
