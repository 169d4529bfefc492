// The answer engine's defences on the open internet (docs/security.md): the
// COOKIE option of a response, and response rate limiting of what was
// written. Apart from the answering itself, which they only follow.
#include "answer_engine.hpp"

#include "message_writer.hpp"
#include "response_class.hpp"
#include "response_outcome.hpp"

namespace azdns {

// A client that sent a cookie gets a fresh server cookie (RFC 7873 section
// 5.2); one whose server cookie verifies has proved its address, and is not
// rate limited (RFC 9018). The check costs a SipHash, so it is made only
// while there is a rate limit for it to lift.
AnswerEngine::CookieReply AnswerEngine::reply_cookie(const EdnsQuery& edns, const Served& served) const {
    CookieReply reply;
    if (served.guard == nullptr || !served.guard->guard->cookies || !edns.present || !edns.cookie.present)
        return reply;
    const CookieSecrets& secrets = *served.guard->guard->cookies;
    const auto now = static_cast<std::uint32_t>(wall_seconds());
    const bool limited = served.guard->guard->limiter && served.client.transport == Transport::udp;
    reply.proven = limited && edns.cookie.server_length != 0 &&
                   check_server_cookie(secrets, edns.cookie.client, edns.cookie.server_cookie(),
                                       served.client.address, now) != CookieCheck::invalid;
    write_cookie_option(reply.option, edns.cookie.client,
                        make_server_cookie(secrets.current, edns.cookie.client, served.client.address, now));
    reply.sent = true;
    return reply;
}

std::size_t AnswerEngine::limit_rate(const Query& query, const Served& served, const ResponseOutcome& outcome,
                                     const MessageWriter& writer, const OptRecord* opt, const CookieReply& cookie,
                                     std::span<std::uint8_t> response, std::size_t limit, AnswerStats* stats) const {
    const GuardContext* guard = served.guard;
    if (guard == nullptr || !guard->guard->limiter || served.client.transport != Transport::udp || cookie.proven ||
        guard->counters == nullptr)
        return writer.size();
    const ResponseShape shape{.rcode = outcome.rcode,
                              .answer_count = writer.count(Section::answer),
                              .authoritative = outcome.authoritative,
                              .authority_has_ns = !outcome.authoritative && writer.count(Section::authority) != 0,
                              .size = writer.size()};
    const ResponseClass kind = classify_response(shape);
    // What floods share a bucket (response_rate_limit.hpp): the QNAME for
    // answers, the zone for NXDOMAIN and referrals, nothing for errors.
    std::string_view bucket_name;
    if (kind == ResponseClass::nxdomain || kind == ResponseClass::referral) bucket_name = outcome.apex;
    else if (kind != ResponseClass::error) bucket_name = query.question.name();
    switch (guard->guard->limiter->decide(served.client.address, kind, bucket_name, guard->now, *guard->counters)) {
    case RateLimitDecision::send:
        return writer.size();
    case RateLimitDecision::drop:
        return 0;
    case RateLimitDecision::slip:
        break;
    }
    // A slipped response: TC=1 asks a real client to come back over TCP;
    // one that sent a cookie gets BADCOOKIE with a fresh one instead, and
    // its next query, with that cookie, is not limited (RFC 7873 section 5.2.3).
    ResponseOutcome slipped;
    slipped.rcode = cookie.sent ? rcode::badcookie : rcode::noerror;
    slipped.truncated = !cookie.sent;
    slipped.zone_slot = outcome.zone_slot;
    return write_short(query, opt, slipped, response, limit, stats);
}

}  // namespace azdns
