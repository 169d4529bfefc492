// `tcp` check: the endpoint is up when a connection can be made.
#include "stream_probe.hpp"

namespace azdns {
namespace {

class TcpProbe final : public StreamProbe {
public:
    TcpProbe(ProbeContext& context, const ProbeTarget& target, ProbeListener& listener)
        : StreamProbe(context, target, listener) {}

private:
    void on_connected() override { succeed(); }
    // Never reading, so never called.
    void on_data(const char*, std::size_t) override {}
    void on_eof() override {}
};

}  // namespace

Probe* make_tcp_probe(ProbeContext& context, const ProbeTarget& target, ProbeListener& listener) {
    return new TcpProbe(context, target, listener);
}

}  // namespace azdns
