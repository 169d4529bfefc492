// [control] tls_cert and tls_key (spec: "Control API"): a pair that loads
// gives the config a TLS context; every way a pair can be wrong is reported
// at FILE:LINE:COL of the key it concerns, with the config's other mistakes.
// Certificates are made fresh by the test CA (test/support/test_ca.hpp).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"

using namespace azdns;
namespace fs = std::filesystem;

namespace {

struct TlsFiles {
    testing::TempDir dir{"azdns-config-tls"};
    testing::TestCertificates pair;   // in dir/a
    testing::TestCertificates other;  // in dir/b: another CA, another key

    TlsFiles() {
        fs::create_directories(dir.path / "a");
        fs::create_directories(dir.path / "b");
        std::string error;
        auto a = testing::make_test_certificates(dir.path / "a", {"localhost"}, {"127.0.0.1"}, error);
        REQUIRE_MESSAGE(a.has_value(), error);
        auto b = testing::make_test_certificates(dir.path / "b", {"localhost"}, {"127.0.0.1"}, error);
        REQUIRE_MESSAGE(b.has_value(), error);
        pair = *a;
        other = *b;
    }

    void write(const std::string& name, const std::string& text) const { std::ofstream(dir.path / name) << text; }

    // Writes azdns.toml with `text` and loads it: the problems, one per line.
    std::string problems(const std::string& text, std::optional<Config>* loaded = nullptr) const {
        write("azdns.toml", text);
        Diagnostics diags;
        auto config = load_config((dir.path / "azdns.toml").string(), diags);
        std::string lines;
        for (const auto& diagnostic : diags.all()) lines += diagnostic.to_string() + "\n";
        if (loaded) *loaded = std::move(config);
        return lines;
    }

    [[nodiscard]] std::string at(const std::string& place, const std::string& message) const {
        return (dir.path / "azdns.toml").string() + ":" + place + ": " + message + "\n";
    }
};

std::string quoted(const fs::path& path) { return "\"" + path.string() + "\""; }

}  // namespace

TEST_CASE("a certificate and its key turn HTTPS on; paths are relative to the config's folder") {
    TlsFiles files;
    std::optional<Config> config;
    CHECK(files.problems("[control]\ntls_cert = \"a/server.pem\"\ntls_key = \"a/server.key\"\n", &config) == "");
    REQUIRE(config.has_value());
    CHECK(config->control.tls_cert == files.pair.server_cert.string());
    CHECK(config->control.tls_key == files.pair.server_key.string());
    CHECK(config->control.tls != nullptr);
}

TEST_CASE("without tls_cert and tls_key the control API is plain HTTP") {
    TlsFiles files;
    std::optional<Config> config;
    CHECK(files.problems("[control]\nlisten = \"127.0.0.1:8053\"\n", &config) == "");
    REQUIRE(config.has_value());
    CHECK(config->control.tls == nullptr);
}

TEST_CASE("one of tls_cert and tls_key without the other is an error at the one given") {
    TlsFiles files;
    CHECK(files.problems("[control]\ntls_cert = " + quoted(files.pair.server_cert) + "\n") ==
          files.at("2:12", "control.tls_cert is set but control.tls_key is not: HTTPS needs both"));
    CHECK(files.problems("[control]\n\ntls_key = " + quoted(files.pair.server_key) + "\n") ==
          files.at("3:11", "control.tls_key is set but control.tls_cert is not: HTTPS needs both"));
}

TEST_CASE("a certificate or key file that cannot be read is an error at its key") {
    TlsFiles files;
    fs::create_directories(files.dir.path / "folder.pem");
    const std::string missing = (files.dir.path / "missing.key").string();
    CHECK(files.problems("[control]\ntls_cert = \"folder.pem\"\ntls_key = \"missing.key\"\n") ==
          files.at("2:12", "cannot read control.tls_cert \"" + (files.dir.path / "folder.pem").string() +
                               "\": not a regular file (a directory)") +
              files.at("3:11", "cannot read control.tls_key \"" + missing + "\": No such file or directory"));
}

TEST_CASE("files that hold no certificate or no private key are errors at their keys") {
    TlsFiles files;
    files.write("notes.txt", "not PEM at all\n");
    const std::string notes = (files.dir.path / "notes.txt").string();
    // The key file is no certificate, and the certificate file is no key.
    CHECK(files.problems("[control]\ntls_cert = \"notes.txt\"\ntls_key = \"notes.txt\"\n") ==
          files.at("2:12", "control.tls_cert \"" + notes + "\" holds no PEM certificate") +
              files.at("3:11", "control.tls_key \"" + notes + "\" holds no unencrypted PEM private key"));
    CHECK(files.problems("[control]\ntls_cert = \"a/server.key\"\ntls_key = \"a/server.pem\"\n") ==
          files.at("2:12", "control.tls_cert \"" + files.pair.server_key.string() + "\" holds no PEM certificate") +
              files.at("3:11", "control.tls_key \"" + files.pair.server_cert.string() + "\" holds no unencrypted PEM private key"));
}

TEST_CASE("a key that does not belong to the certificate is an error at tls_key, with the other mistakes") {
    TlsFiles files;
    CHECK(files.problems("[server]\nworkers = -1\n[control]\ntls_cert = \"a/server.pem\"\ntls_key = \"b/server.key\"\n") ==
          files.at("2:11", "server.workers must be between 0 and 1024, not -1") +
              files.at("5:11", "control.tls_key \"" + files.other.server_key.string() +
                                   "\" does not match the certificate in control.tls_cert \"" +
                                   files.pair.server_cert.string() + "\""));
}
