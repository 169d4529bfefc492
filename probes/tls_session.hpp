// OpenSSL driven by libuv: the SSL object talks to two memory BIOs and the
// caller moves their bytes to and from the socket, so TLS never blocks the
// loop and needs no socket of its own. The https probes use it as a client;
// the control API (server/control) as a server.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "ip_prefix.hpp"

namespace azdns {

// The runner's SSL_CTXs, one per tls_verify setting, made on first use so
// that SSL_CERT_FILE / SSL_CERT_DIR are read then (tests set them late).
class TlsContexts {
public:
    TlsContexts() = default;
    TlsContexts(const TlsContexts&) = delete;
    TlsContexts& operator=(const TlsContexts&) = delete;

    // nullptr when OpenSSL cannot make one.
    [[nodiscard]] SSL_CTX* get(bool verify);

private:
    struct Free {
        void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
    };
    std::unique_ptr<SSL_CTX, Free> verifying_;
    std::unique_ptr<SSL_CTX, Free> trusting_;
};

// The session of a target's last successful https probe, offered to its
// next probe so that it resumes instead of doing a full handshake. A resumed
// handshake checks no certificate: the session carries the verdict of the one
// that made it. So it must only be offered to the same check (host, SNI,
// verify setting); the runner keeps one per target, and a target whose check
// changes is a new target.
struct SavedTlsSession {
    struct Free {
        void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
    };
    std::unique_ptr<SSL_SESSION, Free> session;
};

class TlsSession {
public:
    enum class Status { ok, closed, failed };

    TlsSession() = default;
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // SNI is `host` when set; with `verify`, the certificate must name `host`,
    // or `address` when host is empty. On failure returns false with a reason.
    bool open(SSL_CTX* ctx, const std::string& host, const IpAddress& address, bool verify,
              std::string& error);
    // The server side: waits for the peer's ClientHello. False when OpenSSL
    // cannot make the session.
    bool accept(SSL_CTX* ctx);

    // Offers `saved` for resumption; call after open(), before the handshake.
    // The server may decline it, which costs a full handshake, nothing more.
    // A verifying session does not offer it once the server's certificate
    // has expired: the full handshake then fails verification.
    void offer(const SavedTlsSession& saved);
    // Once a whole response has been read (TLS 1.3 tickets come after the
    // handshake, before the response): the session to offer next time, or
    // none when the server gave no resumable one. Ends this session's use.
    [[nodiscard]] SavedTlsSession take_resumable();

    // Moves the handshake on; true once it is done.
    Status handshake(bool& finished, std::string& error);
    // Encrypts application data (after the handshake).
    Status write(std::string_view plain, std::string& error);
    // Ciphertext from the peer.
    void receive(const char* data, std::size_t size);
    // Decrypts what it can into `plain` (appending); `closed` on close_notify.
    Status read(std::string& plain, std::string& error);
    // Ciphertext to send to the peer; empties the outgoing BIO.
    [[nodiscard]] std::string take_output();
    // Queues close_notify (then take_output), so the peer can tell our end
    // of the stream from a truncation.
    void close_notify();

private:
    bool attach(SSL_CTX* ctx);
    Status classify(int rc, std::string& error);

    struct Free {
        void operator()(SSL* ssl) const { SSL_free(ssl); }
    };
    std::unique_ptr<SSL, Free> ssl_;
    BIO* network_in_ = nullptr;   // owned by ssl_
    BIO* network_out_ = nullptr;  // owned by ssl_
    bool verify_ = false;
};

}  // namespace azdns
