// `http` and `https` checks: one GET, one response judged by
// HttpResponseCheck. For https the same bytes pass through a TlsSession
// first; everything else is shared.
#include <memory>

#include "http_response.hpp"
#include "probe_errors.hpp"
#include "stream_probe.hpp"
#include "tls_session.hpp"

namespace azdns {
namespace {

class HttpProbe final : public StreamProbe {
public:
    HttpProbe(ProbeContext& context, const ProbeTarget& target, SavedTlsSession& saved_session,
              ProbeListener& listener, bool tls)
        : StreamProbe(context, target, listener),
          response_(target.check.expect_status, target.check.expect_body),
          tls_(tls ? std::make_unique<TlsSession>() : nullptr),
          saved_session_(saved_session) {}

private:
    void on_connected() override {
        start_reading();
        if (done()) return;
        if (!tls_) return send(request());
        std::string error;
        const CheckConfig& check = target_.check;
        if (!tls_->open(context_.tls->get(check.tls_verify), check.host, target_.id.address,
                        check.tls_verify, error))
            return fail(error);
        tls_->offer(saved_session_);
        advance_tls();
    }

    void on_data(const char* data, std::size_t size) override {
        if (!tls_) return judge(response_.feed(data, size));
        tls_->receive(data, size);
        advance_tls();
    }

    void on_eof() override {
        if (!done()) finish_with(response_.end_of_input());
    }

    // Runs the handshake, sends the request once it is done, and hands any
    // decrypted bytes to the response check.
    void advance_tls() {
        std::string error;
        if (!handshaken_) {
            if (tls_->handshake(handshaken_, error) == TlsSession::Status::failed) return fail(error);
            if (handshaken_ && tls_->write(request(), error) == TlsSession::Status::failed)
                return fail(error);
        }
        if (handshaken_) {
            std::string plain;
            TlsSession::Status status = tls_->read(plain, error);
            if (!plain.empty()) judge(response_.feed(plain.data(), plain.size()));
            if (done()) return;
            if (status == TlsSession::Status::failed) return fail(error);
            if (status == TlsSession::Status::closed) return on_eof();
        }
        if (std::string out = tls_->take_output(); !out.empty()) send(std::move(out));
    }

    void judge(const std::optional<ProbeResult>& verdict) {
        if (verdict) finish_with(*verdict);
    }

    // A failure needs nothing here: the runner drops the target's session
    // then, whatever the reason, so a broken server gets a full handshake.
    void finish_with(const ProbeResult& verdict) {
        if (!verdict.ok) return fail(verdict.error);
        if (tls_) saved_session_ = tls_->take_resumable();
        succeed();
    }

    [[nodiscard]] std::string request() const {
        const CheckConfig& check = target_.check;
        if (!check.host.empty()) return http_probe_request(check.path, check.host);
        const IpAddress& address = target_.id.address;
        return http_probe_request(check.path, address.family == IpFamily::v6
                                                  ? "[" + address.to_string() + "]"
                                                  : address.to_string());
    }

    HttpResponseCheck response_;
    std::unique_ptr<TlsSession> tls_;
    // The runner's, like target_: touched only while !done().
    SavedTlsSession& saved_session_;
    bool handshaken_ = false;
};

}  // namespace

Probe* make_http_probe(ProbeContext& context, const ProbeTarget& target,
                       SavedTlsSession& saved_session, ProbeListener& listener, bool tls) {
    return new HttpProbe(context, target, saved_session, listener, tls);
}

}  // namespace azdns
