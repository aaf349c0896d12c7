#include "api/auth.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/signature.h"
#include "common/clock.h"

namespace openecs {

TEST(Acs3Authorization, ParsesWhatTheSdkSends) {
  auto a = ParseAcs3Authorization(
      "ACS3-HMAC-SHA256 Credential=LTAIabc,SignedHeaders=host;x-acs-date,Signature=0a1b");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->algorithm, "ACS3-HMAC-SHA256");
  EXPECT_EQ(a->credential, "LTAIabc");
  EXPECT_EQ(a->signed_headers, "host;x-acs-date");
  EXPECT_EQ(a->signature, "0a1b");
  auto spaced = ParseAcs3Authorization("ACS3-X Credential=a,  SignedHeaders=h,\tSignature=ff");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->signed_headers, "h");
}

TEST(Acs3Authorization, RefusesWhatIsNotOne) {
  for (const char* bad :
       {"", "ACS3-", "ACS3- Credential=a,SignedHeaders=h,Signature=ff",
        "ACS3-hmac Credential=a,SignedHeaders=h,Signature=ff",
        "ACS3-X Credential=,SignedHeaders=h,Signature=ff",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=FF",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=ff,", "ACS3-X Credential=a,SignedHeaders=h",
        "ACS3-X SignedHeaders=h,Credential=a,Signature=ff",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=ff extra"})
    EXPECT_FALSE(ParseAcs3Authorization(bad)) << bad;
}

TEST(Acs3Authorization, AHugeHeaderIsOnlyLong) {
  // A 1 MB credential (the regex this replaced recursed per character and overflowed).
  std::string huge = "ACS3-HMAC-SHA256 Credential=" + std::string(1 << 20, 'a') +
                     ",SignedHeaders=host,Signature=00";
  auto a = ParseAcs3Authorization(huge);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->credential.size(), size_t{1} << 20);
  EXPECT_FALSE(ParseAcs3Authorization(huge + "," + std::string(1 << 20, ',')));
}

namespace {
constexpr const char* kAk = "LTAItest";
constexpr const char* kSecret = "test-secret";

Authenticator MakeAuthenticator(size_t max_nonces = Authenticator::kMaxNonces) {
  return Authenticator(
      [](const std::string& ak, const std::string&) -> Result<Credential> {
        if (ak != kAk) return MakeError(ErrorCode::kInvalidAccessKeyIdNotFound);
        return Credential{kSecret, {}};
      },
      900, max_nonces);
}

// A v1 DescribeRegions signed at `signed_at` with `nonce`.
struct SignedV1 {
  HttpRequest http;
  ApiRequest req;
  SignedV1(const std::string& nonce, int64_t signed_at) {
    req.method = "GET";
    req.path = "/";
    req.http = &http;
    req.query = {{"Action", "DescribeRegions"},    {"AccessKeyId", kAk},
                 {"SignatureMethod", "HMAC-SHA1"}, {"SignatureVersion", "1.0"},
                 {"SignatureNonce", nonce},        {"Timestamp", FormatIso(signed_at)}};
    std::multimap<std::string, std::string> params(req.query.begin(), req.query.end());
    req.query["Signature"] = V1Signature(V1StringToSign(req.method, params), kSecret);
  }
};

// The error's code, nullopt when the request was accepted.
std::optional<ErrorCode> Code(const Result<Principal>& r) {
  if (r.ok()) return std::nullopt;
  return r.error().code;
}

std::string TempDir() {
  auto dir = std::filesystem::temp_directory_path() / ("auth_test." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}
}  // namespace

TEST(Authenticator, ANonceIsRefusedAgainEvenAfterARestart) {
  std::string journal = TempDir() + "/nonces.log";
  std::filesystem::remove(journal);
  int64_t now = NowSeconds();
  {
    Authenticator auth = MakeAuthenticator();
    ASSERT_TRUE(auth.KeepNoncesIn(journal).ok());
    EXPECT_EQ(Code(auth.Verify(SignedV1("n1", now).req)), std::nullopt);
    EXPECT_EQ(Code(auth.Verify(SignedV1("n1", now).req)), ErrorCode::kSignatureNonceUsed);
    // Signed again at another time, it is another request.
    EXPECT_EQ(Code(auth.Verify(SignedV1("n1", now - 1).req)), std::nullopt);
  }
  Authenticator again = MakeAuthenticator();
  ASSERT_TRUE(again.KeepNoncesIn(journal).ok());
  EXPECT_EQ(Code(again.Verify(SignedV1("n1", now).req)), ErrorCode::kSignatureNonceUsed);
  EXPECT_EQ(Code(again.Verify(SignedV1("n1", now - 1).req)), ErrorCode::kSignatureNonceUsed);
  EXPECT_EQ(Code(again.Verify(SignedV1("n2", now).req)), std::nullopt);
  std::filesystem::remove_all(std::filesystem::path(journal).parent_path());
}

TEST(Authenticator, AJournalOfAnotherFormatIsStartedAnew) {
  std::string journal = TempDir() + "/old-nonces.log";
  std::ofstream(journal) << "29000000 LTAItest%0An1\n";
  Authenticator auth = MakeAuthenticator();
  ASSERT_TRUE(auth.KeepNoncesIn(journal).ok());
  EXPECT_EQ(Code(auth.Verify(SignedV1("n1", NowSeconds()).req)), std::nullopt);
  std::string first;
  std::getline(std::ifstream(journal) >> std::ws, first);
  EXPECT_EQ(first.rfind("siphash-key ", 0), 0u) << first;
  std::filesystem::remove_all(std::filesystem::path(journal).parent_path());
}

TEST(Authenticator, PastItsMostNoncesTheFarthestSignedTimesAreRefusedEvenAfterARestart) {
  std::string journal = TempDir() + "/full-nonces.log";
  std::filesystem::remove(journal);
  int64_t now = NowSeconds();
  {
    Authenticator auth = MakeAuthenticator(2);
    ASSERT_TRUE(auth.KeepNoncesIn(journal).ok());
    EXPECT_EQ(Code(auth.Verify(SignedV1("a", now - 60).req)), std::nullopt);
    EXPECT_EQ(Code(auth.Verify(SignedV1("b", now - 30).req)), std::nullopt);
    EXPECT_EQ(Code(auth.Verify(SignedV1("c", now).req)), std::nullopt);  // forgets now - 60
    auto old = auth.Verify(SignedV1("d", now - 60).req);
    ASSERT_EQ(Code(old), ErrorCode::kInvalidTimeStampExpired);
    EXPECT_NE(old.error().message.find("no longer remembers"), std::string::npos);
    EXPECT_EQ(Code(auth.Verify(SignedV1("b", now - 30).req)), ErrorCode::kSignatureNonceUsed);
    // Farther from now than every second kept: refused, and nothing is forgotten for it.
    EXPECT_EQ(Code(auth.Verify(SignedV1("e", now - 45).req)), ErrorCode::kInvalidTimeStampExpired);
    EXPECT_EQ(Code(auth.Verify(SignedV1("b", now - 30).req)), ErrorCode::kSignatureNonceUsed);
  }
  // The forgotten second is in the journal: "a" cannot be replayed after a restart either,
  // though the new process has room.
  Authenticator again = MakeAuthenticator();
  ASSERT_TRUE(again.KeepNoncesIn(journal).ok());
  EXPECT_EQ(Code(again.Verify(SignedV1("a", now - 60).req)), ErrorCode::kInvalidTimeStampExpired);
  EXPECT_EQ(Code(again.Verify(SignedV1("c", now).req)), ErrorCode::kSignatureNonceUsed);
  EXPECT_EQ(Code(again.Verify(SignedV1("f", now - 59).req)), std::nullopt);
  // And after a third start, from the journal the second one rewrote.
  Authenticator third = MakeAuthenticator();
  ASSERT_TRUE(third.KeepNoncesIn(journal).ok());
  EXPECT_EQ(Code(third.Verify(SignedV1("g", now - 60).req)), ErrorCode::kInvalidTimeStampExpired);
  EXPECT_EQ(Code(third.Verify(SignedV1("f", now - 59).req)), ErrorCode::kSignatureNonceUsed);
  std::filesystem::remove_all(std::filesystem::path(journal).parent_path());
}

}  // namespace openecs
