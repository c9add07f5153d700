#include "providers/http/http_client.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <new>

#include <curl/curl.h>

namespace certplan::http {

namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

std::string to_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

void initialise_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Receives the response of one transfer through libcurl's callbacks.
struct Collector {
  HttpResponse response;
};

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<Collector*>(user)->response.body.append(data, size * count);
  return size * count;
}

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* collector = static_cast<Collector*>(user);
  const std::string_view line(data, size * count);

  // A new status line starts a new response (after "100 Continue" or a
  // redirect), so only the headers of the final response remain.
  if (line.starts_with("HTTP/")) collector->response.headers.clear();

  if (auto header = parse_header_line(line)) collector->response.headers.push_back(*header);
  return size * count;
}

void append_header(SlistPtr& list, const std::string& line) {
  curl_slist* extended = curl_slist_append(list.get(), line.c_str());
  if (extended == nullptr) throw std::bad_alloc();
  static_cast<void>(list.release());  // now owned by `extended`
  list.reset(extended);
}

SlistPtr build_header_list(const HeaderList& headers) {
  SlistPtr list;
  for (const auto& [name, value] : headers) append_header(list, name + ": " + value);

  // libcurl would otherwise wait for "100 Continue" before larger bodies.
  append_header(list, "Expect:");
  return list;
}

Error transfer_error(CURLcode code, const HttpRequest& request, const char* details) {
  const std::string target = request.method + " " + mask_url(request.url);
  const std::string reason =
      details[0] != '\0' ? std::string(details) : std::string(curl_easy_strerror(code));

  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return make_error(ErrorKind::unreachable,
                        target + " failed: " + reason + "; check the URL and that the server runs");
    case CURLE_OPERATION_TIMEDOUT:
      return make_error(ErrorKind::timed_out,
                        target + " timed out: " + reason + "; check that the server is reachable");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return make_error(ErrorKind::rejected,
                        target + " failed: " + reason +
                            "; check the CA bundle (ACME_CA_BUNDLE) and the server certificate");
    default:
      return make_error(ErrorKind::failed, target + " failed: " + reason);
  }
}

}  // namespace

struct HttpClient::Handle {
  EasyPtr easy;
};

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string expected = to_lower(name);
  for (const auto& [key, value] : headers) {
    if (key == expected) return value;
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  initialise_curl_once();
  handle_->easy.reset(curl_easy_init());
  if (!handle_->easy) throw std::bad_alloc();
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  const std::lock_guard lock(mutex_);
  CURL* easy = handle_->easy.get();

  // Reset clears the options of the previous request but keeps the
  // connection cache, so the next request to the same host reuses the
  // connection.
  curl_easy_reset(easy);

  Collector collector;
  char details[CURL_ERROR_SIZE] = {};
  const SlistPtr header_list = build_header_list(request.headers);

  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  if (request.method == "POST" || !request.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, details);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &collector);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &collector);
  if (!options_.ca_bundle.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  }
  if (options_.proxy == ProxyMode::direct) {
    // "*" makes libcurl ignore https_proxy and its siblings for every host.
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  }

  const CURLcode code = curl_easy_perform(easy);

  // The error buffer and the header list belong to this call only.
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  if (code != CURLE_OK) return transfer_error(code, request, details);

  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  collector.response.status = static_cast<int>(status);
  return std::move(collector.response);
}

std::string mask_url(std::string_view url) {
  std::string masked;

  const std::size_t fragment = url.find('#');
  if (fragment != std::string_view::npos) url = url.substr(0, fragment);

  const std::size_t scheme_end = url.find("://");
  const std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  masked.append(url.substr(0, authority_start));
  url.remove_prefix(authority_start);

  const std::size_t authority_end = std::min(url.find_first_of("/?"), url.size());
  std::string_view authority = url.substr(0, authority_end);
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    masked.append(colon == std::string_view::npos ? userinfo : userinfo.substr(0, colon + 1));
    if (colon != std::string_view::npos) masked.append("***");
    masked.append("@");
    authority.remove_prefix(at + 1);
  }
  masked.append(authority);
  url.remove_prefix(authority_end);

  const std::size_t query_start = url.find('?');
  masked.append(url.substr(0, query_start));
  if (query_start == std::string_view::npos) return masked;

  // Each "name=value" keeps its name. A parameter without "=" may itself be
  // the secret, so it is masked whole.
  std::string_view query = url.substr(query_start + 1);
  masked.append("?");
  bool first = true;
  while (true) {
    const std::size_t end = std::min(query.find('&'), query.size());
    const std::string_view parameter = query.substr(0, end);
    const std::size_t equals = parameter.find('=');
    if (!first) masked.append("&");
    first = false;
    if (equals == std::string_view::npos) {
      masked.append("***");
    } else {
      masked.append(parameter.substr(0, equals + 1));
      masked.append("***");
    }
    if (end == query.size()) break;
    query.remove_prefix(end + 1);
  }
  return masked;
}

std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.starts_with("HTTP/")) return std::nullopt;

  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;

  return std::pair{to_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))};
}

}  // namespace certplan::http
