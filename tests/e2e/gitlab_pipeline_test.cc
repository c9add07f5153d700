// End to end: the certplan jobs of .gitlab-ci.yml, run by gitlab-ci-local
// with its shell executor against the loopback sandbox.
//
// Needs gitlab-ci-local 4.59.0 (npm install -g gitlab-ci-local@4.59.0) and
// rsync, besides what the other end-to-end tests need. The jobs run in a
// temporary git repository that contains a copy of .gitlab-ci.yml and the
// sandbox's configuration, so the working tree is never touched.

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

const fs::path source_dir = CERTPLAN_SOURCE_DIR;
const std::string domain = "example.com";
const std::string no_changes = "No changes. Every certificate is valid and deployed where it belongs.";
const std::string sandbox_plan = "Plan: 1 to issue, 2 to deploy, 2 hosts to reload, 2 to verify.";

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("could not write " + path.string());
}

void run_checked(const std::vector<std::string>& argv) {
  const CommandOutput result = run_command(argv, std::chrono::seconds(60));
  if (result.exit_code != 0) {
    throw std::runtime_error("command " + argv.front() + " failed:\n" + result.text());
  }
}

// A git repository with .gitlab-ci.yml from the working tree and the
// sandbox's configuration, whose SSH paths name the files the jobs write
// from SSH_PRIVATE_KEY and SSH_KNOWN_HOSTS.
class PipelineRepository {
 public:
  explicit PipelineRepository(const Sandbox& sandbox)
      : sandbox_(sandbox), root_(sandbox.dir() / "pipeline"), bin_(sandbox.dir() / "pipeline-bin") {
    fs::create_directories(root_ / "config");
    fs::create_directories(bin_);
    fs::copy_file(source_dir / ".gitlab-ci.yml", root_ / ".gitlab-ci.yml");
    fs::copy_file(sandbox.dir() / "config/domains.yaml", root_ / "config/domains.yaml");
    write_text(root_ / "config/servers.yaml", servers_with_job_secrets());
    fs::create_symlink(CERTPLAN_EXECUTABLE, bin_ / "certplan");

    const std::string git_dir = root_.string();
    run_checked({"/usr/bin/git", "-C", git_dir, "init", "--quiet", "--initial-branch=main"});
    run_checked({"/usr/bin/git", "-C", git_dir, "add", "."});
    run_checked({"/usr/bin/git", "-C", git_dir, "-c", "user.name=certplan test", "-c",
                 "user.email=test@example.com", "commit", "--quiet", "-m", "pipeline test"});
  }

  const fs::path& root() const { return root_; }
  fs::path key_file() const { return sandbox_.dir() / "job-secrets/automation_key"; }
  fs::path known_hosts_file() const { return sandbox_.dir() / "job-secrets/known_hosts"; }
  fs::path artifact(const std::string& job, const std::string& name) const {
    return root_ / ".gitlab-ci-local/artifacts" / job / name;
  }

  // Runs gitlab-ci-local in the repository as a pipeline started by
  // `pipeline_source` would, with `arguments` after the common options.
  CommandOutput run(const std::string& pipeline_source, const std::vector<std::string>& arguments) const {
    const char* path = std::getenv("PATH");
    std::vector<std::string> argv = {
        "/usr/bin/env",
        "--chdir=" + root_.string(),  // gitlab-ci-local takes only a relative --cwd
        "PATH=" + bin_.string() + ":" + (path != nullptr ? path : "/usr/bin:/bin"),
        "FORCE_COLOR=0",
        "gitlab-ci-local",
        "--force-shell-executor",
        "--variable", "CI_PIPELINE_SOURCE=" + pipeline_source,
        "--variable", "CERTPLAN_CONFIG_DIR=config",
        "--variable", "CERTPLAN_ENV_FILE=" + (sandbox_.dir() / ".env").string(),
        "--variable", "SSH_PRIVATE_KEY=" + (sandbox_.dir() / "ssh/id_ed25519").string(),
        "--variable", "SSH_KNOWN_HOSTS=" + Sandbox::read_file(sandbox_.dir() / "ssh/known_hosts"),
        "--variable", "CERTPLAN_SSH_KEY_FILE=" + key_file().string(),
        "--variable", "CERTPLAN_KNOWN_HOSTS_FILE=" + known_hosts_file().string(),
    };
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_command(argv, std::chrono::seconds(300));
  }

  // The `when` of every job in a pipeline started by `pipeline_source`, as
  // gitlab-ci-local evaluates the rules.
  std::map<std::string, std::string> job_whens(const std::string& pipeline_source) const {
    const CommandOutput listed = run(pipeline_source, {"--list-json"});
    if (listed.exit_code != 0) throw std::runtime_error("gitlab-ci-local --list-json failed:\n" + listed.text());
    // Warnings, such as the one about overriding CI_PIPELINE_SOURCE, come
    // before the JSON array on stdout.
    const auto array_start = listed.out.find("\n[");
    if (array_start == std::string::npos) throw std::runtime_error("no JSON array in:\n" + listed.out);

    std::map<std::string, std::string> whens;
    for (const auto& job : nlohmann::json::parse(listed.out.substr(array_start + 1))) {
      whens[job.at("name").get<std::string>()] = job.at("when").get<std::string>();
    }
    return whens;
  }

 private:
  std::string servers_with_job_secrets() const {
    std::string servers = Sandbox::read_file(sandbox_.dir() / "config/servers.yaml");
    servers = std::regex_replace(servers, std::regex("ssh_key_path: .*"), "ssh_key_path: " + key_file().string());
    return std::regex_replace(servers, std::regex("known_hosts_path: .*"),
                              "known_hosts_path: " + known_hosts_file().string());
  }

  const Sandbox& sandbox_;
  fs::path root_;
  fs::path bin_;
};

bool has_table_header(const std::string& markdown) {
  return has_line(markdown, "| Action | Domain | Reason | Before | After |") &&
         has_line(markdown, "| --- | --- | --- | --- | --- |");
}

}  // namespace

BOOST_AUTO_TEST_CASE(rules_select_jobs_per_pipeline_source) {
  Sandbox sandbox;
  const PipelineRepository repository(sandbox);

  const auto merge_request = repository.job_whens("merge_request_event");
  BOOST_TEST(merge_request.at("build-image") == "on_success");
  BOOST_TEST(merge_request.at("validate") == "on_success");
  BOOST_TEST(merge_request.at("plan") == "on_success");
  BOOST_TEST(merge_request.at("apply") == "never");
  BOOST_TEST(merge_request.at("apply-dry-run") == "never");

  const auto schedule = repository.job_whens("schedule");
  BOOST_TEST(schedule.at("build-image") == "on_success");
  BOOST_TEST(schedule.at("validate") == "never");
  BOOST_TEST(schedule.at("plan") == "never");
  BOOST_TEST(schedule.at("apply") == "on_success");
  BOOST_TEST(schedule.at("apply-dry-run") == "never");

  const auto push = repository.job_whens("push");
  BOOST_TEST(push.at("build-image") == "on_success");
  BOOST_TEST(push.at("validate") == "never");
  BOOST_TEST(push.at("plan") == "never");
  BOOST_TEST(push.at("apply") == "never");
  BOOST_TEST(push.at("apply-dry-run") == "manual");
}

BOOST_AUTO_TEST_CASE(plan_dry_run_and_scheduled_apply) {
  Sandbox sandbox;
  const PipelineRepository repository(sandbox);
  const std::string served_before = sandbox.served_fingerprint(1, domain);

  // Merge request: validate, then plan with its three artifacts.
  const CommandOutput validate = repository.run("merge_request_event", {"validate"});
  BOOST_TEST_INFO("validate job:\n" << validate.text());
  BOOST_TEST(validate.exit_code == 0);
  BOOST_TEST(has_line_containing_all(validate.out, {"The configuration is valid: 2 servers, 1 domain."}));
  BOOST_TEST(Sandbox::mode_of(repository.key_file()) == 0600u);
  BOOST_TEST(Sandbox::read_file(repository.known_hosts_file()) ==
             Sandbox::read_file(sandbox.dir() / "ssh/known_hosts"));

  const CommandOutput plan = repository.run("merge_request_event", {"plan"});
  BOOST_TEST_INFO("plan job:\n" << plan.text());
  BOOST_REQUIRE_EQUAL(plan.exit_code, 0);

  const auto plan_json = nlohmann::json::parse(Sandbox::read_file(repository.artifact("plan", "plan.json")));
  BOOST_TEST(plan_json.at("actions").size() == 7u);
  const std::string plan_markdown = Sandbox::read_file(repository.artifact("plan", "plan.md"));
  BOOST_TEST(has_table_header(plan_markdown));
  BOOST_TEST(has_line(plan_markdown, "**" + sandbox_plan + "**"));
  const auto report = nlohmann::json::parse(Sandbox::read_file(repository.root() / "gitlab-report.json"));
  BOOST_TEST(report.at("create").is_number_integer());
  BOOST_TEST(report.at("update").is_number_integer());
  BOOST_TEST(report.at("delete").is_number_integer());
  BOOST_TEST(report.at("create").get<int>() == 1);
  BOOST_TEST(report.at("update").get<int>() == 2);
  BOOST_TEST(report.at("delete").get<int>() == 0);

  // Manual dry run: passes and changes nothing.
  const CommandOutput dry_run = repository.run("push", {"--manual", "apply-dry-run", "apply-dry-run"});
  BOOST_TEST_INFO("apply-dry-run job:\n" << dry_run.text());
  BOOST_TEST(dry_run.exit_code == 0);
  BOOST_TEST(!fs::exists(sandbox.store_dir(domain)));
  BOOST_TEST(sandbox.served_fingerprint(1, domain) == served_before);
  const CommandOutput plan_after_dry_run = sandbox.run_certplan({"plan"});
  BOOST_TEST(has_line(plan_after_dry_run.out, sandbox_plan));

  // Schedule: a fresh plan, applied; a plan afterwards has nothing to do.
  const CommandOutput apply = repository.run("schedule", {"apply"});
  BOOST_TEST_INFO("apply job:\n" << apply.text());
  BOOST_REQUIRE_EQUAL(apply.exit_code, 0);
  BOOST_TEST(has_line_containing_all(apply.out, {"Apply complete: 2 applied, 1 issued."}));
  BOOST_TEST(fs::exists(repository.artifact("apply", "plan.json")));
  BOOST_TEST(has_table_header(Sandbox::read_file(repository.artifact("apply", "plan.md"))));

  const CommandOutput plan_after_apply = sandbox.run_certplan({"plan"});
  BOOST_TEST_INFO("plan after apply:\n" << plan_after_apply.text());
  BOOST_TEST(plan_after_apply.exit_code == 0);
  BOOST_TEST(has_line(plan_after_apply.out, no_changes));
  BOOST_TEST(sandbox.served_fingerprint(1, domain) != served_before);
  BOOST_TEST(sandbox.served_fingerprint(2, domain) == sandbox.served_fingerprint(1, domain));
}

BOOST_AUTO_TEST_CASE(apply_job_fails_loudly_on_exit_code_3) {
  Sandbox sandbox;
  const PipelineRepository repository(sandbox);
  sandbox.make_nginx_reject_p256(2);

  const CommandOutput apply = repository.run("schedule", {"apply"});
  BOOST_TEST_INFO("apply job:\n" << apply.text());
  BOOST_TEST(apply.exit_code != 0);
  BOOST_TEST(has_line_containing_all(
      apply.out, {"ERROR: certplan apply exit code 3: some hosts failed and were rolled back to their previous "
                  "certificate; see the summary above."}));
  BOOST_TEST(fs::exists(repository.artifact("apply", "plan.json")));
}

}  // namespace certplan::e2e
