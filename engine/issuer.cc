#include "engine/issuer.h"

namespace certplan {

IssueRequest issue_request_for(const DomainConfig& domain) {
  IssueRequest request;
  request.domain = domain.domain;
  request.names = domain.names();
  request.key_type = domain.key_type;
  request.dns_provider = domain.dns_provider;
  request.profile = domain.profile;
  return request;
}

}  // namespace certplan
