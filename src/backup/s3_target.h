// S3-compatible object storage as a backup target, over libcurl with AWS Signature Version 4
// (CURLOPT_AWS_SIGV4, curl 7.75+): PUT, GET, ListObjectsV2 and DELETE, path-style
// ("<endpoint>/<bucket>/<name>") so that any S3 implementation answers (AWS, MinIO, Garage,
// s3rver). Each PUT carries the file's SHA-256 as x-amz-content-sha256, which the signature covers
// and the server checks against the bytes it got.
//
// The secret key is held in locked memory and handed to curl per request; curl keeps its own copy
// for the life of the handle (one handle per request, cleaned up at once).
#pragma once

#include <memory>

#include "backup/target.h"
#include "crypto/secret.h"

namespace sealmail::backup {

class S3Target : public Target {
 public:
  // Reads the credentials (BackupConfig::credentials_file, else $AWS_ACCESS_KEY_ID and
  // $AWS_SECRET_ACCESS_KEY).
  static Result<std::unique_ptr<S3Target>> create(const BackupConfig& config);

  Status put(const std::string& name, const std::filesystem::path& file, const std::string& sha256_hex) override;
  Status get(const std::string& name, const std::filesystem::path& file) override;
  Result<std::vector<ObjectInfo>> list(const std::string& prefix) override;
  Status remove(const std::string& name) override;

  struct Request;

 private:
  S3Target(const BackupConfig& config, crypto::SecretBuffer access_key, crypto::SecretBuffer secret_key)
      : config_(config), access_key_(std::move(access_key)), secret_key_(std::move(secret_key)) {}
  std::string object_url(const std::string& name) const;

  BackupConfig config_;
  crypto::SecretBuffer access_key_;
  crypto::SecretBuffer secret_key_;
};

}  // namespace sealmail::backup
