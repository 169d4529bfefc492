// Memory-BIO glue and the mapping of OpenSSL failures to stable reasons.
#include "tls_session.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "probe_errors.hpp"

namespace azdns {

SSL_CTX* TlsContexts::get(bool verify) {
    auto& slot = verify ? verifying_ : trusting_;
    if (slot) return slot.get();
    slot.reset(SSL_CTX_new(TLS_client_method()));
    if (!slot) return nullptr;
    SSL_CTX_set_min_proto_version(slot.get(), TLS1_2_VERSION);
    // Many servers close without close_notify; the HTTP layer knows whether
    // the response was complete, so EOF is not a TLS error here.
    SSL_CTX_set_options(slot.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Each target keeps its own session (SavedTlsSession). OpenSSL's client
    // cache is never looked up by OpenSSL itself, so storing there would only
    // cost memory.
    SSL_CTX_set_session_cache_mode(slot.get(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    if (verify) {
        SSL_CTX_set_verify(slot.get(), SSL_VERIFY_PEER, nullptr);
        if (SSL_CTX_set_default_verify_paths(slot.get()) != 1) {
            ERR_clear_error();
            slot.reset();
        }
    } else {
        SSL_CTX_set_verify(slot.get(), SSL_VERIFY_NONE, nullptr);
    }
    return slot.get();
}

bool TlsSession::open(SSL_CTX* ctx, const std::string& host, const IpAddress& address, bool verify,
                      std::string& error) {
    error = probe_error::tls_setup;
    if (!attach(ctx)) return false;
    SSL_set_connect_state(ssl_.get());
    bool host_is_ip = IpAddress::parse(host).has_value();
    // RFC 6066: SNI carries host names only, never literal addresses.
    if (!host.empty() && !host_is_ip && SSL_set_tlsext_host_name(ssl_.get(), host.c_str()) != 1)
        return false;
    verify_ = verify;
    if (verify) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
        std::string ip = host.empty() ? address.to_string() : host;
        int rc = (host.empty() || host_is_ip) ? X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str())
                                              : SSL_set1_host(ssl_.get(), host.c_str());
        if (rc != 1) return false;
    }
    error.clear();
    return true;
}

bool TlsSession::accept(SSL_CTX* ctx) {
    if (!attach(ctx)) return false;
    SSL_set_accept_state(ssl_.get());
    return true;
}

bool TlsSession::attach(SSL_CTX* ctx) {
    if (ctx == nullptr) return false;
    ssl_.reset(SSL_new(ctx));
    if (!ssl_) return false;
    network_in_ = BIO_new(BIO_s_mem());
    network_out_ = BIO_new(BIO_s_mem());
    if (network_in_ == nullptr || network_out_ == nullptr) {
        BIO_free(network_in_);
        BIO_free(network_out_);
        network_in_ = network_out_ = nullptr;
        return false;
    }
    // An empty input BIO means "wait for more", not end of stream.
    BIO_set_mem_eof_return(network_in_, -1);
    SSL_set_bio(ssl_.get(), network_in_, network_out_);
    return true;
}

void TlsSession::offer(const SavedTlsSession& saved) {
    if (!saved.session) return;
    // A resumed handshake checks no certificate, and servers keep resuming a
    // session for as long as they like: without this an expired certificate
    // would go unnoticed. (X509_cmp_current_time: 1 means still in the future.)
    X509* peer = SSL_SESSION_get0_peer(saved.session.get());
    if (verify_ && (peer == nullptr || X509_cmp_current_time(X509_get0_notAfter(peer)) != 1)) return;
    // On failure (e.g. a session of another protocol version) the handshake is simply full.
    if (SSL_set_session(ssl_.get(), saved.session.get()) != 1) ERR_clear_error();
}

SavedTlsSession TlsSession::take_resumable() {
    SavedTlsSession saved{decltype(SavedTlsSession::session)(SSL_get1_session(ssl_.get()))};
    if (saved.session && SSL_SESSION_is_resumable(saved.session.get()) != 1) saved.session.reset();
    // SSL_free marks the session of a connection that was not shut down as
    // not resumable. The probe ends with a reset, but only after a complete
    // response, which is a clean end as far as the session goes.
    SSL_set_shutdown(ssl_.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    return saved;
}

TlsSession::Status TlsSession::handshake(bool& finished, std::string& error) {
    int rc = SSL_do_handshake(ssl_.get());
    finished = rc == 1;
    return finished ? Status::ok : classify(rc, error);
}

TlsSession::Status TlsSession::write(std::string_view plain, std::string& error) {
    std::size_t written = 0;
    int rc = SSL_write_ex(ssl_.get(), plain.data(), plain.size(), &written);
    return rc == 1 ? Status::ok : classify(rc, error);
}

void TlsSession::receive(const char* data, std::size_t size) {
    BIO_write(network_in_, data, static_cast<int>(size));
}

TlsSession::Status TlsSession::read(std::string& plain, std::string& error) {
    char buffer[16 * 1024];
    for (;;) {
        std::size_t got = 0;
        int rc = SSL_read_ex(ssl_.get(), buffer, sizeof buffer, &got);
        if (rc != 1) return classify(rc, error);
        plain.append(buffer, got);
    }
}

std::string TlsSession::take_output() {
    std::string out(BIO_ctrl_pending(network_out_), '\0');
    if (!out.empty()) {
        int got = BIO_read(network_out_, out.data(), static_cast<int>(out.size()));
        out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    }
    return out;
}

void TlsSession::close_notify() {
    if (SSL_shutdown(ssl_.get()) < 0) ERR_clear_error();
}

TlsSession::Status TlsSession::classify(int rc, std::string& error) {
    int code = SSL_get_error(ssl_.get(), rc);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return Status::ok;
    if (code == SSL_ERROR_ZERO_RETURN) return Status::closed;
    // The thread's error queue must not carry one probe's failure into the next.
    ERR_clear_error();
    long verify = SSL_get_verify_result(ssl_.get());
    if (!SSL_is_init_finished(ssl_.get())) {
        if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
            error = probe_error::tls_host_mismatch;
        else if (verify != X509_V_OK)
            error = probe_error::tls_verify;
        else
            error = probe_error::tls_handshake;
    } else {
        error = probe_error::tls_protocol;
    }
    return Status::failed;
}

}  // namespace azdns
