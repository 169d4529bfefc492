#include "dns_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

namespace azdns::e2e {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

void put16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

std::uint16_t get16(const Bytes& in, std::size_t at) {
    return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}

// `name` in presentation form: labels split at unescaped dots, "\X" and
// "\DDD" (RFC 1035 section 5.1) decoded. No compression.
void put_name(Bytes& out, const std::string& name) {
    Bytes label;
    auto end_label = [&] {
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        label.clear();
    };
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '.') {
            if (i > 0) end_label();  // a lone "." is the root
        } else if (c == '\\' && i + 3 < name.size() && std::isdigit(static_cast<unsigned char>(name[i + 1]))) {
            label.push_back(static_cast<std::uint8_t>(std::stoi(name.substr(i + 1, 3))));
            i += 3;
        } else if (c == '\\' && i + 1 < name.size()) {
            label.push_back(static_cast<std::uint8_t>(name[++i]));
        } else {
            label.push_back(static_cast<std::uint8_t>(c));
        }
    }
    if (!label.empty()) end_label();
    out.push_back(0);
}

// Skips a (possibly compressed) name; returns the offset after it or 0 when malformed.
std::size_t skip_name(const Bytes& wire, std::size_t at) {
    for (int labels = 0; at < wire.size() && labels < 128; ++labels) {
        std::uint8_t len = wire[at];
        if (len == 0) return at + 1;
        if ((len & 0xc0) == 0xc0) return at + 2 <= wire.size() ? at + 2 : 0;
        at += 1 + len;
    }
    return 0;
}

// Finds OPT records by walking the raw message (independent of ldns's EDNS handling).
void scan_opt(const Bytes& wire, Response& response) {
    if (wire.size() < 12) return;
    std::size_t at = 12;
    for (unsigned i = 0; i < get16(wire, 4); ++i) {
        at = skip_name(wire, at);
        if (at == 0 || at + 4 > wire.size()) return;
        at += 4;
    }
    unsigned before_additional = get16(wire, 6) + get16(wire, 8);
    unsigned total = before_additional + get16(wire, 10);
    for (unsigned i = 0; i < total; ++i) {
        at = skip_name(wire, at);
        if (at == 0 || at + 10 > wire.size()) return;
        std::uint16_t type = get16(wire, at);
        std::size_t rdlen = get16(wire, at + 8);
        std::size_t rdata = at + 10;
        if (rdata + rdlen > wire.size()) return;
        if (type == rrtype::OPT && i >= before_additional) {
            ++response.opt_count;
            OptRecord opt;
            opt.udp_size = get16(wire, at + 2);
            opt.extended_rcode = wire[at + 4];
            opt.version = wire[at + 5];
            opt.do_bit = (wire[at + 6] & 0x80) != 0;
            for (std::size_t o = rdata; o + 4 <= rdata + rdlen;) {
                std::uint16_t code = get16(wire, o), len = get16(wire, o + 2);
                if (o + 4 + len > rdata + rdlen) break;
                if (code == 3) opt.nsid = std::string(wire.begin() + static_cast<long>(o + 4),
                                                      wire.begin() + static_cast<long>(o + 4 + len));
                if (code == 8)
                    opt.client_subnet = Bytes(wire.begin() + static_cast<long>(o + 4),
                                              wire.begin() + static_cast<long>(o + 4 + len));
                if (code == 10)
                    opt.cookie = Bytes(wire.begin() + static_cast<long>(o + 4),
                                       wire.begin() + static_cast<long>(o + 4 + len));
                if (code == 15 && len >= 2) {  // RFC 8914
                    opt.extended_error = ExtendedError{get16(wire, o + 4),
                                                       std::string(wire.begin() + static_cast<long>(o + 6),
                                                                   wire.begin() + static_cast<long>(o + 4 + len))};
                }
                o += 4 + len;
            }
            response.opt = opt;
        }
        at = rdata + rdlen;
    }
}

std::string rr_text(const ldns_rr* rr, bool question) {
    char* text = question ? ldns_rdf2str(ldns_rr_owner(rr)) : ldns_rr2str(rr);
    std::string raw = text ? text : "";
    free(text);
    if (question) {
        char* cls = ldns_rr_class2str(ldns_rr_get_class(rr));
        ldns_buffer* type_buffer = ldns_buffer_new(16);
        ldns_rr_type2buffer_str(type_buffer, ldns_rr_get_type(rr));
        char* type = ldns_buffer_export2str(type_buffer);
        raw += std::string(" ") + (cls ? cls : "?") + " " + (type ? type : "?");
        free(cls);
        free(type);
        ldns_buffer_free(type_buffer);
    }
    std::istringstream words(raw);
    std::string word, line;
    while (words >> word) line += (line.empty() ? "" : " ") + word;
    return line;
}

std::vector<std::string> section_text(const ldns_rr_list* list, bool question = false) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i)
        lines.push_back(rr_text(ldns_rr_list_rr(list, i), question));
    return lines;
}

bool sockaddr_for(const Endpoint& server, sockaddr_storage& storage, socklen_t& length) {
    std::memset(&storage, 0, sizeof storage);
    if (server.address.find(':') != std::string::npos) {
        auto* six = reinterpret_cast<sockaddr_in6*>(&storage);
        six->sin6_family = AF_INET6;
        six->sin6_port = htons(server.port);
        length = sizeof *six;
        return inet_pton(AF_INET6, server.address.c_str(), &six->sin6_addr) == 1;
    }
    auto* four = reinterpret_cast<sockaddr_in*>(&storage);
    four->sin_family = AF_INET;
    four->sin_port = htons(server.port);
    length = sizeof *four;
    return inet_pton(AF_INET, server.address.c_str(), &four->sin_addr) == 1;
}

}  // namespace

std::string ExtendedError::to_string() const { return std::to_string(info_code) + " \"" + extra_text + "\""; }

std::string Endpoint::to_string() const {
    return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Bytes encode(Query& query) {
    if (query.id == 0) {
        static std::mt19937 random{std::random_device{}()};
        query.id = static_cast<std::uint16_t>(1 + random() % 65535);
    }
    Bytes out;
    put16(out, query.id);
    out.push_back(static_cast<std::uint8_t>((query.opcode & 0x0f) << 3 | (query.rd ? 1 : 0)));
    out.push_back(static_cast<std::uint8_t>(query.cd ? 0x10 : 0));
    put16(out, 1);
    put16(out, 0);
    put16(out, 0);
    put16(out, query.edns ? 1 : 0);
    put_name(out, query.name);
    put16(out, query.type);
    put16(out, query.qclass);
    if (query.edns) {
        out.push_back(0);  // root owner
        put16(out, rrtype::OPT);
        put16(out, query.udp_size);
        out.push_back(0);  // extended RCODE
        out.push_back(query.edns_version);
        put16(out, query.do_bit ? 0x8000 : 0);
        const std::size_t subnet_bytes = query.client_subnet.empty() ? 0 : 4 + query.client_subnet.size();
        const std::size_t cookie_bytes = query.cookie.empty() ? 0 : 4 + query.cookie.size();
        put16(out, static_cast<std::uint16_t>((query.nsid ? 4 : 0) + subnet_bytes + cookie_bytes));
        if (query.nsid) {
            put16(out, 3);
            put16(out, 0);
        }
        if (subnet_bytes != 0) {
            put16(out, 8);
            put16(out, static_cast<std::uint16_t>(query.client_subnet.size()));
            out.insert(out.end(), query.client_subnet.begin(), query.client_subnet.end());
        }
        if (cookie_bytes != 0) {
            put16(out, 10);
            put16(out, static_cast<std::uint16_t>(query.cookie.size()));
            out.insert(out.end(), query.cookie.begin(), query.cookie.end());
        }
    }
    return out;
}

Bytes client_subnet(const std::string& address, std::uint8_t bits) {
    std::array<std::uint8_t, 16> bytes{};
    const bool v4 = address.find(':') == std::string::npos;
    if (inet_pton(v4 ? AF_INET : AF_INET6, address.c_str(), bytes.data()) != 1)
        throw std::invalid_argument("not an address: " + address);
    Bytes out{0, static_cast<std::uint8_t>(v4 ? 1 : 2), bits, 0};
    out.insert(out.end(), bytes.begin(), bytes.begin() + (bits + 7) / 8);
    return out;
}

Response parse_response(const Bytes& wire) {
    Response response;
    response.wire = wire;
    if (wire.size() >= 12) {
        response.id = get16(wire, 0);
        response.qr = wire[2] & 0x80;
        response.opcode = (wire[2] >> 3) & 0x0f;
        response.aa = wire[2] & 0x04;
        response.tc = wire[2] & 0x02;
        response.rd = wire[2] & 0x01;
        response.ra = wire[3] & 0x80;
        response.ad = wire[3] & 0x20;
        response.cd = wire[3] & 0x10;
        response.rcode = wire[3] & 0x0f;
    }
    scan_opt(wire, response);
    if (response.opt) response.rcode |= response.opt->extended_rcode << 4;
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, wire.data(), wire.size()) == LDNS_STATUS_OK) {
        std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)> pkt(raw, ldns_pkt_free);
        response.parsed = true;
        response.question = section_text(ldns_pkt_question(pkt.get()), true);
        response.answer = section_text(ldns_pkt_answer(pkt.get()));
        response.authority = section_text(ldns_pkt_authority(pkt.get()));
        for (auto& line : section_text(ldns_pkt_additional(pkt.get())))
            if (line.find(" OPT ") == std::string::npos) response.additional.push_back(line);
    }
    return response;
}

std::string Response::dump() const {
    std::ostringstream out;
    out << "id=" << id << " opcode=" << int(opcode) << " rcode=" << rcode << " flags:" << (qr ? " qr" : "")
        << (aa ? " aa" : "") << (tc ? " tc" : "") << (rd ? " rd" : "") << (ra ? " ra" : "") << (ad ? " ad" : "")
        << (cd ? " cd" : "") << " size=" << wire.size() << (parsed ? "" : " (ldns could not parse)") << "\n";
    if (opt)
        out << ";; OPT udp=" << opt->udp_size << " version=" << int(opt->version) << " ext_rcode="
            << int(opt->extended_rcode) << (opt->nsid ? " nsid=" + *opt->nsid : "")
            << (opt->extended_error ? " ede=" + opt->extended_error->to_string() : "") << " count=" << opt_count
            << "\n";
    auto section = [&](const char* title, const std::vector<std::string>& lines) {
        out << ";; " << title << " (" << lines.size() << ")\n";
        for (const auto& line : lines) out << line << "\n";
    };
    section("QUESTION", question);
    section("ANSWER", answer);
    section("AUTHORITY", authority);
    section("ADDITIONAL", additional);
    return out.str();
}

UdpSocket::UdpSocket(const Endpoint& server, const std::string& source) {
    sockaddr_storage address, local;
    socklen_t length = 0, local_length = 0;
    if (!sockaddr_for(server, address, length)) return;
    if (!source.empty() && !sockaddr_for({source, 0}, local, local_length)) return;
    fd_ = socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && !source.empty() && bind(fd_, reinterpret_cast<sockaddr*>(&local), local_length) != 0) {
        close(fd_);
        fd_ = -1;
    }
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
        close(fd_);
        fd_ = -1;
    }
}

UdpSocket::~UdpSocket() {
    if (fd_ >= 0) close(fd_);
}

bool UdpSocket::send(const Bytes& packet) {
    return fd_ >= 0 && ::send(fd_, packet.data(), packet.size(), 0) == static_cast<ssize_t>(packet.size());
}

std::optional<Bytes> UdpSocket::receive(milliseconds wait) {
    if (fd_ < 0) return std::nullopt;
    auto deadline = Clock::now() + wait;
    for (int round = 0; round < 1000; ++round) {
        pollfd pfd{fd_, POLLIN, 0};
        int ready = poll(&pfd, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return std::nullopt;
        Bytes buffer(65536);
        ssize_t got = recv(fd_, buffer.data(), buffer.size(), 0);
        if (got >= 0) {
            buffer.resize(static_cast<std::size_t>(got));
            return buffer;
        }
        if (errno != EINTR && errno != EAGAIN) return std::nullopt;  // e.g. ECONNREFUSED
    }
    return std::nullopt;
}

std::optional<Bytes> udp_exchange(const Endpoint& server, const Bytes& query, milliseconds wait,
                                  const std::string& source) {
    UdpSocket socket(server, source);
    if (!socket.send(query)) return std::nullopt;
    auto deadline = Clock::now() + wait;
    for (int round = 0; round < 100; ++round) {
        auto reply = socket.receive(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
        if (!reply) return std::nullopt;
        if (query.size() < 2 || (reply->size() >= 2 && (*reply)[0] == query[0] && (*reply)[1] == query[1]))
            return reply;
    }
    return std::nullopt;
}

TcpConnection::~TcpConnection() {
    if (fd_ >= 0) close(fd_);
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : fd_(other.fd_), pending_(std::move(other.pending_)), peer_closed_(other.peer_closed_) {
    other.fd_ = -1;
}

bool TcpConnection::connect(const Endpoint& server, milliseconds wait) {
    sockaddr_storage address;
    socklen_t length = 0;
    if (!sockaddr_for(server, address, length)) return false;
    fd_ = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
        if (errno != EINPROGRESS) return false;
        pollfd pfd{fd_, POLLOUT, 0};
        if (poll(&pfd, 1, static_cast<int>(wait.count())) != 1) return false;
        int error = 0;
        socklen_t error_length = sizeof error;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &error_length);
        if (error != 0) return false;
    }
    return true;
}

bool TcpConnection::send_raw(const Bytes& bytes) {
    std::size_t sent = 0;
    auto deadline = Clock::now() + default_wait;
    while (fd_ >= 0 && sent < bytes.size()) {
        ssize_t wrote = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (wrote > 0) {
            sent += static_cast<std::size_t>(wrote);
            continue;
        }
        if (wrote < 0 && (errno == EAGAIN || errno == EINTR)) {
            pollfd pfd{fd_, POLLOUT, 0};
            if (poll(&pfd, 1, remaining_ms(deadline)) <= 0) return false;
            continue;
        }
        return false;
    }
    return fd_ >= 0;
}

bool TcpConnection::send_message(const Bytes& message) {
    Bytes framed;
    put16(framed, static_cast<std::uint16_t>(message.size()));
    framed.insert(framed.end(), message.begin(), message.end());
    return send_raw(framed);
}

bool TcpConnection::fill(std::size_t want, Clock::time_point deadline) {
    while (fd_ >= 0 && pending_.size() < want && !peer_closed_) {
        pollfd pfd{fd_, POLLIN, 0};
        int ready = poll(&pfd, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        std::uint8_t buffer[65536];
        ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
        if (got > 0) {
            pending_.insert(pending_.end(), buffer, buffer + got);
        } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
            peer_closed_ = true;
        }
    }
    return pending_.size() >= want;
}

std::optional<Bytes> TcpConnection::receive_message(milliseconds wait) {
    auto deadline = Clock::now() + wait;
    if (!fill(2, deadline)) return std::nullopt;
    std::size_t length = get16(pending_, 0);
    if (!fill(2 + length, deadline)) return std::nullopt;
    Bytes message(pending_.begin() + 2, pending_.begin() + 2 + static_cast<long>(length));
    pending_.erase(pending_.begin(), pending_.begin() + 2 + static_cast<long>(length));
    return message;
}

bool TcpConnection::wait_closed(milliseconds wait) {
    auto deadline = Clock::now() + wait;
    while (!peer_closed_ && fd_ >= 0) {
        if (remaining_ms(deadline) == 0) return false;
        fill(pending_.size() + 1, deadline);
    }
    return peer_closed_;
}

std::optional<Bytes> tcp_exchange(const Endpoint& server, const Bytes& query, milliseconds wait) {
    TcpConnection connection;
    if (!connection.connect(server, wait) || !connection.send_message(query)) return std::nullopt;
    return connection.receive_message(wait);
}

std::optional<Response> ask_udp(const Endpoint& server, Query query, milliseconds wait) {
    auto reply = udp_exchange(server, encode(query), wait, query.source);
    if (!reply) return std::nullopt;
    return parse_response(*reply);
}

std::optional<Response> ask_tcp(const Endpoint& server, Query query, milliseconds wait) {
    auto reply = tcp_exchange(server, encode(query), wait);
    if (!reply) return std::nullopt;
    return parse_response(*reply);
}

std::vector<std::string> sorted(std::vector<std::string> lines) {
    std::sort(lines.begin(), lines.end());
    return lines;
}

}  // namespace azdns::e2e
