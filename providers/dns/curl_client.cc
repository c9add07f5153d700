#include "providers/dns/curl_client.h"

#include <memory>
#include <mutex>

#include <curl/curl.h>
#include <new>

namespace certplan {

namespace {

struct EasyFree {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyFree>;
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

HeaderList build_headers(const std::vector<std::string>& headers) {
  HeaderList list;
  for (const std::string& header : headers) {
    curl_slist* extended = curl_slist_append(list.get(), header.c_str());
    if (extended == nullptr) throw std::bad_alloc();
    static_cast<void>(list.release());
    list.reset(extended);
  }
  // curl would otherwise send "Expect: 100-continue" for larger bodies.
  curl_slist* extended = curl_slist_append(list.get(), "Expect:");
  if (extended == nullptr) throw std::bad_alloc();
  static_cast<void>(list.release());
  list.reset(extended);
  return list;
}

Error transfer_error(CURLcode code, const HttpRequest& request, const char* details) {
  const std::string what = std::string(method_name(request.method)) + " " + request.url;
  const std::string reason = details[0] != '\0' ? details : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return make_error(ErrorKind::timed_out,
                        what + " timed out: " + reason + "; check that the API is reachable");
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return make_error(ErrorKind::unreachable,
                        "could not connect for " + what + ": " + reason +
                            "; check the API URL and the network");
    default:
      return make_error(ErrorKind::failed, what + " failed: " + reason);
  }
}

}  // namespace

const char* method_name(HttpMethod method) {
  switch (method) {
    case HttpMethod::get: return "GET";
    case HttpMethod::post: return "POST";
    case HttpMethod::del: return "DELETE";
  }
  return "GET";
}

CurlClient::CurlClient(std::chrono::milliseconds timeout) : timeout_(timeout) { init_curl_once(); }

Result<HttpResponse> CurlClient::send(const HttpRequest& request) const {
  EasyHandle handle(curl_easy_init());
  if (!handle) throw std::bad_alloc();
  CURL* curl = handle.get();

  HttpResponse response;
  char details[CURL_ERROR_SIZE] = {};
  HeaderList headers = build_headers(request.headers);

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, details);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);

  switch (request.method) {
    case HttpMethod::get:
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
      break;
    case HttpMethod::post:
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      break;
    case HttpMethod::del:
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
  }

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) return transfer_error(code, request, details);

  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace certplan
