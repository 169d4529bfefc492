// The query pipeline: read, refuse what is not ours, decide the answer
// (answer_sections), encode it once with truncation in one place.
#include "answer_engine.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>
#include <utility>

#include "answer_sections.hpp"
#include "message_writer.hpp"
#include "query_reader.hpp"
#include "response_outcome.hpp"
#include "transfer_access.hpp"
#include "transfer_state.hpp"
#include "tsig.hpp"

namespace azdns {

namespace {

constexpr std::size_t classic_udp_size = 512;

// Where the client is: the subnet its resolver sent (RFC 7871), cut to /24
// or /56 as resolvers expect of us (section 11.1), else the query's source.
// A /0 subnet says nothing: the client counts as outside every AZ.
ClientPlace client_place(const Query& query, const Client& client) {
    const ClientSubnet& subnet = query.edns.client_subnet;
    if (!query.edns.present || !subnet.present) return ClientPlace::of_address(client.address);
    ClientPlace place;
    const bool v4 = subnet.family == ClientSubnet::ipv4;
    const std::uint8_t most = v4 ? 24 : 56;
    place.address.family = v4 ? IpFamily::v4 : IpFamily::v6;
    place.address.bytes = subnet.address;  // zero past source_bits (read_query checked)
    place.bits = subnet.source_bits;
    if (place.bits > most) {
        place.bits = most;
        place.address = place.address.leading_bits(most);
    }
    return place;
}

// Header flag bits (second and third header bytes as one word).
constexpr std::uint16_t flag_qr = 0x8000;
constexpr std::uint16_t flag_aa = 0x0400;
constexpr std::uint16_t flag_tc = 0x0200;
constexpr std::uint16_t flag_rd = 0x0100;
constexpr std::uint16_t flag_cd = 0x0010;

std::uint16_t base_flags(const Query& query) {
    return static_cast<std::uint16_t>(flag_qr | query.opcode << 11 | (query.recursion_desired ? flag_rd : 0) |
                                      (query.checking_disabled ? flag_cd : 0));
}

std::uint16_t flags_for(const Query& query, const ResponseOutcome& outcome) {
    return static_cast<std::uint16_t>(base_flags(query) | (outcome.authoritative ? flag_aa : 0) |
                                      (outcome.truncated ? flag_tc : 0) | (outcome.rcode & 0x0F));
}

// The payload size we offer EDNS clients, and the longest UDP response.
std::size_t udp_size_offered(const AnswerOptions& options) {
    return std::max<std::size_t>(options.edns_udp_size, classic_udp_size);
}

// RFC 6891 section 6.2.5: never below 512, never above what we offer.
std::size_t response_limit(const Query& query, const AnswerOptions& options, Transport transport,
                           std::size_t buffer_size) {
    if (transport == Transport::tcp) return std::min(buffer_size, max_message_size);
    std::size_t limit = classic_udp_size;
    if (query.edns.present) {
        limit = std::clamp<std::size_t>(query.edns.udp_size, classic_udp_size, udp_size_offered(options));
    }
    return std::min(buffer_size, limit);
}

void report(AnswerStats* stats, const ResponseOutcome& outcome) {
    if (stats == nullptr) return;
    stats->rcode = outcome.rcode;
    stats->truncated = outcome.truncated;
    stats->health_filtered = outcome.health_filtered;
    stats->zone_slot = outcome.zone_slot;
    stats->notify_accepted = outcome.notify_accepted;
}

std::string_view as_name(const char* bytes, std::size_t length) { return {bytes, length}; }

// Encodes the plan section by section. The only truncation policy: an
// RRset is written whole or not at all; losing a required one (answer,
// authority, in-domain glue) sets TC and ends the message, other additional
// data is skipped silently (RFC 2181 section 9). Health counts for an entry
// the encoding reached, written or not.
void encode_plan(const AnswerPlan& plan, MessageWriter& writer, ResponseOutcome& outcome) {
    for (Section section : {Section::answer, Section::authority, Section::additional}) {
        for (std::size_t i = 0; i < plan.size(); ++i) {
            const PlannedRRset& entry = plan[i];
            if (entry.section != section) continue;
            outcome.health_filtered = outcome.health_filtered || entry.health_changed;
            if (writer.emit_rrset(entry.section, entry.owner, entry.rrset, entry.ttl)) continue;
            if (entry.required) {
                outcome.truncated = true;
                return;
            }
        }
    }
}

}  // namespace

AnswerEngine::AnswerEngine(AnswerOptions options) : options_(std::move(options)) {}

AnswerPrefetch AnswerEngine::prefetch(std::span<const std::uint8_t> query, const ZoneSet& zones) const {
    Question question;
    if (!peek_question(query, question)) return {};
    const Zone* zone = zones.find(question.name());
    if (zone == nullptr) return {};
    std::optional<std::uint64_t> token = zone->prefetch_slot(question.name());
    return token ? AnswerPrefetch{zone, *token} : AnswerPrefetch{};
}

std::size_t AnswerEngine::max_response_size(Transport transport) const {
    return transport == Transport::tcp ? max_message_size : udp_size_offered(options_);
}

std::uint64_t AnswerEngine::wall_seconds() const {
    return options_.wall_seconds != nullptr ? options_.wall_seconds()
                                            : static_cast<std::uint64_t>(std::time(nullptr));
}

std::size_t AnswerEngine::answer(std::span<const std::uint8_t> query_wire, const ZoneSet& zones, const Client& client,
                                 std::span<std::uint8_t> response, const HealthView* health,
                                 AnswerStats* stats, const TransferState* transfers,
                                 const GuardContext* guard) const {
    Query query;
    ReadStatus status = read_query(query_wire, query);
    if (status == ReadStatus::ignore || response.size() < classic_udp_size) return 0;
    const Served served{zones, client, health, transfers, guard != nullptr && guard->guard != nullptr ? guard : nullptr};
    if (status == ReadStatus::ok && query.tsig_offset != 0) return answer_signed(query_wire, query, served, response, stats);
    return write_response(query, status, served, response, stats, {}, 0);
}

// A signed query is answered only under a good signature, and signed back
// (RFC 8945 section 5.3), within the client's size: room for that signature
// is kept. Apart from the common path, which then builds no TSIG state.
std::size_t AnswerEngine::answer_signed(std::span<const std::uint8_t> query_wire, const Query& query,
                                        const Served& served, std::span<std::uint8_t> response,
                                        AnswerStats* stats) const {
    const auto tsig = read_tsig(query_wire, query.tsig_offset);
    if (!tsig) return write_response(query, ReadStatus::formerr, served, response, stats, {}, 0);
    const std::uint64_t now = wall_seconds();
    const TsigKey* key = served.transfers != nullptr ? served.transfers->key(tsig->key_name()) : nullptr;
    const TsigCheck check = verify_tsig(query_wire, *tsig, key, now);
    if (check.verdict == TsigVerdict::formerr) {
        return write_response(query, ReadStatus::formerr, served, response, stats, {}, 0);
    }
    if (check.verdict != TsigVerdict::ok) return answer_tsig_error(query, *tsig, check, response, stats, now);
    const std::size_t length =
        write_response(query, ReadStatus::ok, served, response, stats, check.key->name, tsig_record_size(*check.key));
    return sign_tsig(response, length, *check.key, check.request_mac(), 0, now);  // the room was kept
}

std::size_t AnswerEngine::write_response(const Query& query, ReadStatus status, const Served& served,
                                         std::span<std::uint8_t> response, AnswerStats* stats,
                                         std::string_view signed_by, std::size_t reserve) const {
    const std::size_t limit = response_limit(query, options_, served.client.transport, response.size()) - reserve;
    MessageWriter writer(response, limit);
    writer.write_header(query.id, base_flags(query));
    ResponseOutcome outcome;

    if (status == ReadStatus::formerr) {
        // No OPT: the message (maybe the OPT itself) could not be trusted.
        if (query.has_question) (void)writer.write_question(query.question.wire);
        // An opcode we do not implement is that, however its body looks, and
        // even with no question at all (as NSD and Knot answer).
        outcome.rcode = query.opcode != 0 ? rcode::notimp : rcode::formerr;
        writer.set_flags(flags_for(query, outcome));
        report(stats, outcome);
        return writer.size();
    }

    const EdnsQuery& edns = query.edns;
    std::span<const std::uint8_t> nsid;
    if (edns.present && edns.nsid_requested && !options_.identity.empty() && edns.version == 0) {
        nsid = {reinterpret_cast<const std::uint8_t*>(options_.identity.data()),
                std::min<std::size_t>(options_.identity.size(), 512)};
    }
    const CookieReply cookie = reply_cookie(edns, served);
    const OptRecord opt{.udp_size = static_cast<std::uint16_t>(udp_size_offered(options_)),
                        .dnssec_ok = edns.dnssec_ok,
                        .nsid = nsid,
                        .client_subnet = edns.client_subnet.present ? &edns.client_subnet : nullptr,
                        .cookie = cookie.sent ? std::span<const std::uint8_t>(cookie.option)
                                              : std::span<const std::uint8_t>()};
    if (edns.present) writer.plan_opt(opt);
    (void)writer.write_question(query.question.wire);  // at most 255 + 4 bytes: always fits in 512

    outcome = respond(query, served, writer, signed_by);

    writer.set_flags(flags_for(query, outcome));
    if (edns.present) (void)writer.write_opt(static_cast<std::uint8_t>(outcome.rcode >> 4));
    report(stats, outcome);

    return limit_rate(query, served, outcome, writer, edns.present ? &opt : nullptr, cookie, response, limit, stats);
}

std::size_t AnswerEngine::write_short(const Query& query, const OptRecord* opt, const ResponseOutcome& outcome,
                                      std::span<std::uint8_t> response, std::size_t limit, AnswerStats* stats) const {
    MessageWriter writer(response, limit);
    writer.write_header(query.id, base_flags(query));
    if (opt != nullptr) writer.plan_opt(*opt);
    (void)writer.write_question(query.question.wire);
    writer.set_flags(flags_for(query, outcome));
    if (opt != nullptr) (void)writer.write_opt(static_cast<std::uint8_t>(outcome.rcode >> 4));
    report(stats, outcome);
    return writer.size();
}

std::size_t AnswerEngine::answer_tsig_error(const Query& query, const TsigRecord& record, const TsigCheck& check,
                                            std::span<std::uint8_t> response, AnswerStats* stats,
                                            std::uint64_t now) const {
    MessageWriter writer(response, response.size());
    writer.write_header(query.id, base_flags(query));
    (void)writer.write_question(query.question.wire);
    ResponseOutcome outcome;
    outcome.rcode = rcode::notauth;
    writer.set_flags(flags_for(query, outcome));
    report(stats, outcome);
    return append_tsig_error(response, writer.size(), record, check, now);
}

ResponseOutcome AnswerEngine::respond(const Query& query, const Served& served, MessageWriter& writer,
                                      std::string_view signed_by) const {
    const auto& [zones, client, health, transfers, guard] = served;
    ResponseOutcome outcome;
    const Question& question = query.question;
    if (query.opcode != opcode::query) {
        if (query.opcode == opcode::notify) return respond_notify(question, zones, client, writer, transfers, signed_by);
        outcome.rcode = rcode::notimp;
        return outcome;
    }
    if (query.edns.present && query.edns.version > 0) {
        outcome.rcode = rcode::badvers;  // RFC 6891 section 6.1.3: no answer data
        return outcome;
    }
    if (rr_type::is_transaction_meta(question.qtype)) {
        outcome.rcode = rcode::formerr;
        return outcome;
    }
    if (question.qtype == rr_type::axfr || question.qtype == rr_type::ixfr) {
        return respond_transfer(question, zones, client, writer, transfers, signed_by);
    }
    if (question.qclass == rr_class::ch) return respond_chaos(question, writer);
    if (question.qclass != rr_class::in) {
        outcome.rcode = rcode::refused;
        return outcome;
    }
    std::uint32_t slot = AnswerStats::no_zone;
    // DS at a child's apex is the parent's to answer, when azdns serves both.
    const Zone* zone = question.qtype != rr_type::ds ? zones.find(question.name(), slot)
                                                     : zones.find_for_ds(question.name(), slot);
    if (zone == nullptr) {
        if (slot != AnswerStats::no_zone) {  // a secondary's zone not (or no longer) held: docs/transfers.md
            outcome.rcode = rcode::servfail;
            outcome.zone_slot = slot;
            return outcome;
        }
        outcome.rcode = rcode::refused;
        (void)writer.add_extended_error(extended_error::not_authoritative);
        return outcome;
    }

    const ZoneTransfers* offered = transfers != nullptr ? transfers->zone(slot) : nullptr;
    AnswerPlan plan;
    ClientPlace place = client_place(query, client);
    solve_internet(*zone, question, client, plan, health, {offered, signed_by}, &place);
    // Scope 0 unless an answer depended on where the client is (RFC 7871 section 7.2.1).
    if (place.place != ClientPlace::unknown) writer.set_client_subnet_scope(place.scope);
    // Before the sections: the OPT that carries it must keep its room.
    if (plan.extended_error != nullptr) (void)writer.add_extended_error(*plan.extended_error);
    outcome.rcode = plan.rcode;
    outcome.authoritative = plan.authoritative;
    outcome.health_filtered = plan.health_filtered;
    encode_plan(plan, writer, outcome);
    outcome.zone_slot = slot;
    outcome.apex = zone->origin();
    return outcome;
}

// Transfers over TCP are served by the transfer server (the listeners hand
// their connections over); what reaches the engine is answered as NSD and
// Knot answer it: AXFR over UDP is NOTIMP (it needs TCP, RFC 5936 section
// 4.2), a transfer of anything but the apex of a zone we serve is NOTAUTH,
// and a client the zone's allow_transfer rules do not name is REFUSED (Knot:
// NOTAUTH) with Extended DNS Error 18 (Prohibited). An allowed IXFR over UDP
// gets the view's SOA alone (RFC 1995 section 2): a client behind it then
// asks again over TCP.
ResponseOutcome AnswerEngine::respond_transfer(const Question& question, const ZoneSet& zones, const Client& client,
                                               MessageWriter& writer, const TransferState* transfers,
                                               std::string_view signed_by) const {
    ResponseOutcome outcome;
    if (question.qtype == rr_type::axfr && client.transport == Transport::udp) {
        outcome.rcode = rcode::notimp;
        return outcome;
    }
    std::uint32_t slot = AnswerStats::no_zone;
    const Zone* zone = question.qclass == rr_class::in ? zones.find(question.name(), slot) : nullptr;
    if (zone == nullptr && slot != AnswerStats::no_zone) {
        std::uint32_t exact = AnswerStats::no_zone;
        if (zones.shared(question.name(), exact) == nullptr && exact != AnswerStats::no_zone) {
            outcome.rcode = rcode::servfail;  // a secondary's zone not held: nothing to transfer (as Knot)
            return outcome;
        }
    }
    if (zone == nullptr || zone->origin() != question.name()) {
        outcome.rcode = rcode::notauth;
        return outcome;
    }
    outcome.zone_slot = slot;
    const ZoneTransfers* offered = transfers != nullptr ? transfers->zone(slot) : nullptr;
    const auto view = offered != nullptr ? transfer_view_for(offered->rules, client.address, signed_by) : std::nullopt;
    if (!view || question.qtype == rr_type::axfr) {  // an allowed AXFR over TCP never reaches here
        outcome.rcode = rcode::refused;
        (void)writer.add_extended_error(extended_error::prohibited);
        return outcome;
    }
    const RRsetView soa = *view == TransferView::filtered ? offered->served_soa() : zone->soa();
    outcome.authoritative = true;
    if (!writer.write_record(Section::answer, NameRef::in_message(question_offset), rr_type::soa, rr_class::in,
                             soa.ttl(), (*soa.begin()).rdata())) {
        outcome.truncated = true;
    }
    return outcome;
}

// NOTIFY (RFC 1996) for a zone this server takes from primaries: accepted
// (NOERROR, AA, the question echoed) from an allow_notify address, signed
// with the zone's primary_key when it has one; the server then asks the
// primaries for the serial (notify_accepted). Any other zone is NOTAUTH, a
// sender not allowed REFUSED with EDE 18, as Knot answers them.
ResponseOutcome AnswerEngine::respond_notify(const Question& question, const ZoneSet& zones, const Client& client,
                                             MessageWriter& writer, const TransferState* transfers,
                                             std::string_view signed_by) const {
    ResponseOutcome outcome;
    if (question.qclass != rr_class::in || question.qtype != rr_type::soa) {
        outcome.rcode = rcode::formerr;
        return outcome;
    }
    std::uint32_t slot = AnswerStats::no_zone;
    (void)zones.find(question.name(), slot);
    const SecondaryNotify* secondary =
        transfers != nullptr && slot != AnswerStats::no_zone ? transfers->secondary(slot) : nullptr;
    if (secondary == nullptr || secondary->origin != question.name()) {
        outcome.rcode = rcode::notauth;
        return outcome;
    }
    outcome.zone_slot = slot;
    const bool from_allowed = std::any_of(secondary->allow_notify.begin(), secondary->allow_notify.end(),
                                          [&](const IpPrefix& prefix) { return prefix.contains(client.address); });
    if (!from_allowed || signed_by != secondary->key) {
        outcome.rcode = rcode::refused;
        (void)writer.add_extended_error(extended_error::prohibited);
        return outcome;
    }
    outcome.authoritative = true;
    outcome.notify_accepted = true;
    return outcome;
}

// CH TXT id.server / hostname.bind (identity), version.bind /
// version.server (version), as BIND, NSD and Knot answer them. Everything
// else in class CH, and these names with nothing configured, is REFUSED.
ResponseOutcome AnswerEngine::respond_chaos(const Question& question, MessageWriter& writer) const {
    ResponseOutcome outcome;
    outcome.rcode = rcode::refused;
    static constexpr char id_server[] = "\2id\6server";
    static constexpr char hostname_bind[] = "\10hostname\4bind";
    static constexpr char version_bind[] = "\7version\4bind";
    static constexpr char version_server[] = "\7version\6server";
    std::string_view name = question.name();
    const std::string* value = nullptr;
    if (name == as_name(id_server, sizeof id_server) || name == as_name(hostname_bind, sizeof hostname_bind)) {
        value = &options_.identity;
    } else if (name == as_name(version_bind, sizeof version_bind) ||
               name == as_name(version_server, sizeof version_server)) {
        value = &options_.version;
    }
    if (value == nullptr || value->empty() || (question.qtype != rr_type::txt && question.qtype != rr_type::any)) {
        return outcome;
    }
    // One TXT RR of <character-string>s of at most 255 bytes each.
    std::array<std::uint8_t, 1024> rdata{};
    std::size_t length = 0;
    for (std::size_t at = 0; at < value->size() && length + 2 <= rdata.size();) {
        std::size_t chunk = std::min({value->size() - at, std::size_t{255}, rdata.size() - length - 1});
        rdata[length++] = static_cast<std::uint8_t>(chunk);
        std::memcpy(&rdata[length], value->data() + at, chunk);
        length += chunk;
        at += chunk;
    }
    if (!writer.write_record(Section::answer, NameRef::in_message(question_offset), rr_type::txt, rr_class::ch, 0,
                             {rdata.data(), length})) {
        outcome.truncated = true;
    }
    outcome.rcode = rcode::noerror;
    outcome.authoritative = true;
    return outcome;
}

}  // namespace azdns
