#include "tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "owned_by.hpp"

namespace azdns {

namespace {

using Bio = OwnedBy<BIO, BIO_free>;
using Certificate = OwnedBy<X509, X509_free>;
using PrivateKey = OwnedBy<EVP_PKEY, EVP_PKEY_free>;

Bio memory_bio(std::string_view pem) { return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

// Without a callback OpenSSL would prompt on the terminal for the
// passphrase of an encrypted key: a server must fail instead.
int no_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

TlsServerContextResult make_tls_server_context(std::string_view cert_pem, std::string_view key_pem) {
    TlsServerContextResult result;
    Bio certs = memory_bio(cert_pem);
    Certificate leaf(certs ? PEM_read_bio_X509(certs.get(), nullptr, no_passphrase, nullptr) : nullptr);
    if (!leaf) result.cert_error = "holds no PEM certificate";
    Bio key_bio = memory_bio(key_pem);
    PrivateKey key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
    if (!key) result.key_error = "holds no unencrypted PEM private key";
    ERR_clear_error();
    if (!leaf || !key) return result;

    TlsServerContext context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
    if (!context) {
        result.cert_error = "cannot be used: OpenSSL cannot make a TLS context";
        return result;
    }
    SSL_CTX* ctx = context.get();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // A TLS 1.2 client could otherwise make the server redo the costly half
    // of a handshake at will on one connection, within the request deadline.
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
        result.cert_error = "holds a certificate OpenSSL refuses (e.g. a key too weak for its security level)";
        ERR_clear_error();
        return result;
    }
    // The rest of the file is the chain sent after the leaf (a "fullchain.pem").
    while (Certificate next{PEM_read_bio_X509(certs.get(), nullptr, no_passphrase, nullptr)}) {
        if (SSL_CTX_add0_chain_cert(ctx, next.get()) != 1) {
            result.cert_error = "holds an intermediate certificate OpenSSL refuses";
            ERR_clear_error();
            return result;
        }
        (void)next.release();  // add0: the context owns it now
    }
    ERR_clear_error();  // the loop ends on "no start line"
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        result.key_error = "does not match the certificate";
        result.key_mismatch = true;
        ERR_clear_error();
        return result;
    }
    result.context = std::move(context);
    return result;
}

}  // namespace azdns
