#include "providers/nginx/nginx_test_output.h"

#include <array>
#include <charconv>
#include <optional>

namespace certplan {

namespace {

constexpr std::array<std::string_view, 5> levels = {"emerg", "alert", "crit", "error", "warn"};

bool is_failure(const NginxMessage& message) { return message.level != "warn"; }

std::string_view trim_end(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  return text;
}

// Splits a trailing " in FILE:LINE" off `message.text`.
void split_location(NginxMessage& message) {
  const std::size_t in = message.text.rfind(" in ");
  const std::size_t colon = message.text.rfind(':');
  if (in == std::string::npos || colon == std::string::npos || colon < in) return;

  const std::string_view digits = std::string_view(message.text).substr(colon + 1);
  int line = 0;
  const auto [last, error] = std::from_chars(digits.data(), digits.data() + digits.size(), line);
  if (error != std::errc() || last != digits.data() + digits.size() || line <= 0) return;

  message.file = message.text.substr(in + 4, colon - in - 4);
  message.line = line;
  message.text.resize(in);
}

// Reads one line in either form nginx writes:
//   2026/12/04 21:38:20 [emerg] 9328#9328: TEXT      (through error_log)
//   nginx: [emerg] TEXT                               (before error_log is open)
std::optional<NginxMessage> parse_line(std::string_view line) {
  for (std::string_view level : levels) {
    const std::string tag = "[" + std::string(level) + "] ";
    const std::size_t found = line.find(tag);
    if (found == std::string_view::npos) continue;

    std::string_view text = line.substr(found + tag.size());
    const std::size_t process = text.find(": ");
    const std::size_t hash = text.find('#');
    const bool has_process_ids =
        process != std::string_view::npos && hash != std::string_view::npos && hash < process &&
        text.substr(0, process).find_first_not_of("0123456789#") == std::string_view::npos;
    if (has_process_ids) text.remove_prefix(process + 2);

    NginxMessage message{std::string(level), std::string(trim_end(text)), "", 0};
    split_location(message);
    return message;
  }
  return std::nullopt;
}

std::string describe(const NginxMessage& message) {
  if (message.file.empty()) return message.text;
  return message.text + " in " + message.file + ":" + std::to_string(message.line);
}

std::string last_line(std::string_view output) {
  std::string_view rest = trim_end(output);
  while (!rest.empty() && rest.back() == '\n') rest = trim_end(rest.substr(0, rest.size() - 1));
  const std::size_t newline = rest.rfind('\n');
  return std::string(newline == std::string_view::npos ? rest : rest.substr(newline + 1));
}

std::string summarize(const NginxTestResult& result, int exit_status, std::string_view output,
                      bool successful) {
  std::vector<const NginxMessage*> warnings;
  const NginxMessage* first_failure = nullptr;
  for (const NginxMessage& message : result.messages) {
    if (!is_failure(message)) {
      warnings.push_back(&message);
    } else if (first_failure == nullptr) {
      first_failure = &message;
    }
  }

  if (result.ok) {
    if (warnings.empty()) return "nginx configuration test is successful";
    const std::string count = std::to_string(warnings.size());
    return "nginx configuration test is successful, with " + count +
           (warnings.size() == 1 ? " warning: " : " warnings, the first: ") +
           describe(*warnings.front());
  }
  if (first_failure != nullptr) return "nginx configuration test failed: " + describe(*first_failure);
  if (exit_status == 0 && !successful) {
    return "nginx configuration test exited with status 0 but did not report \"test is "
           "successful\": " + last_line(output);
  }
  return "nginx configuration test failed with exit status " + std::to_string(exit_status) + ": " +
         last_line(output);
}

}  // namespace

NginxTestResult parse_nginx_test_output(int exit_status, std::string_view output) {
  NginxTestResult result;
  std::string_view rest = output;
  while (!rest.empty()) {
    const std::size_t newline = rest.find('\n');
    const std::string_view line = trim_end(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

    if (auto message = parse_line(line)) result.messages.push_back(std::move(*message));
  }

  const bool successful = output.find("test is successful") != std::string_view::npos;
  result.ok = exit_status == 0 && successful;
  result.summary = summarize(result, exit_status, output, successful);
  return result;
}

}  // namespace certplan
