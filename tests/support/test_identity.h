// The identity keys of a test process: one Ed25519 pair, made once, whose private half signs what
// the tests' gateways (and the tests themselves, acting as the gateway) forward, and whose public
// half every test service trusts — as a deployment's gateway and services share theirs.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "common/auth/identity_check.h"
#include "common/auth/identity_proof.h"

namespace sokei::testing {

struct TestIdentityKeys {
  auth::IdentityKeyPair pems;
  std::shared_ptr<const auth::ProofSigner> signer;
  std::shared_ptr<const auth::ProofVerifier> verifier;
};

inline const TestIdentityKeys& TestIdentity() {
  static const TestIdentityKeys* keys = [] {
    auto pair = auth::GenerateIdentityKeyPair();
    auto signer = pair.ok() ? auth::ProofSigner::FromPem(pair->private_pem) : pair.status();
    auto verifier = pair.ok() ? auth::ProofVerifier::FromPem(pair->public_pem) : pair.status();
    if (!signer.ok() || !verifier.ok()) std::abort();  // OpenSSL without Ed25519: nothing to test
    return new TestIdentityKeys{*pair, std::move(*signer), std::move(*verifier)};
  }();
  return *keys;
}

// What a test service checks: the test gateway's proofs.
inline auth::IdentityCheck VerifiedIdentity() {
  return auth::IdentityCheck::Verified(TestIdentity().verifier);
}

// Adds `p` with the test gateway's proof to a call, as the gateway does.
inline void AddSignedPrincipal(grpc::ClientContext* ctx, const auth::Principal& p) {
  auth::Principal signed_principal = p;
  signed_principal.proof = TestIdentity().signer->Sign(p, absl::Now());
  for (const auto& [k, v] : auth::ToMetadata(signed_principal)) ctx->AddMetadata(k, v);
}

// The same from the metadata strings (roles and departments comma-separated); strings that do not
// make a principal are sent as they are, unsigned.
inline void AddSignedMetadata(grpc::ClientContext* ctx, const std::string& subject,
                              const std::string& roles, const std::string& municipality,
                              const std::string& departments = "") {
  std::multimap<std::string, std::string> md = {{auth::kSubjectKey, subject},
                                                {auth::kRolesKey, roles},
                                                {auth::kMunicipalityKey, municipality}};
  if (!departments.empty()) md.emplace(auth::kDepartmentsKey, departments);
  auto p = auth::FromMetadata(md, config::AuthMode::kMetadata);
  if (!p.ok()) {
    for (const auto& [k, v] : md) ctx->AddMetadata(k, v);
    return;
  }
  AddSignedPrincipal(ctx, *p);
}

}  // namespace sokei::testing
