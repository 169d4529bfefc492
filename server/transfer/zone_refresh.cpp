#include "zone_refresh.hpp"

#include "dns_name.hpp"
#include "ixfr_apply.hpp"
#include "query_reader.hpp"
#include "serial_arithmetic.hpp"
#include "transfer_reader.hpp"
#include "transfer_records.hpp"

namespace azdns {

namespace {

constexpr std::size_t max_listed_problems = 20;

// What one transfer from one primary gave.
struct Fetched {
    TransferContent content;
    TransferResult result;
    std::string error;  // empty when content is complete
    bool error_names_source = false;  // the reader's: "AXFR from PRIMARY: message 2: ..."
};

Fetched fetch(const RefreshRequest& request, const PrimaryServer& primary, const TransferRequest& asked,
              TransferCancel& cancel) {
    Fetched out;
    std::optional<TransferReader> reader;
    const TransferReadLimits read_limits{.max_records = request.max_zone_records,
                                         .max_bytes = request.limits.max_bytes};
    out.result = fetch_zone(primary, asked, request.limits, cancel, [&](std::span<const std::uint8_t> message) {
        // fetch_zone has checked the ID is our query's: the reader holds the stream to it too.
        if (!reader) {
            const auto id = static_cast<std::uint16_t>(message[0] << 8 | message[1]);
            reader.emplace(TransferQuestion{request.origin, id, asked.qtype, primary.address.to_string()}, read_limits);
        }
        return reader->add_message(message) && !reader->complete();
    });
    if (reader && reader->failed()) {
        out.error = reader->error();
        out.error_names_source = true;
    } else if (!out.result.ok()) {
        out.error = out.result.reason;
    } else if (reader) {
        out.content = reader->finish();
        out.error = out.content.error;
    } else {
        out.error = "no message came";
    }
    return out;
}

std::string soa_rdata_of(const Zone& zone) {
    const auto rdata = (*zone.soa().begin()).rdata();
    return {reinterpret_cast<const char*>(rdata.data()), rdata.size()};
}

// The records of a transfer, or why they cannot be had (the IXFR did not apply).
std::optional<ZoneRecords> records_of(TransferContent& content, const Zone* held, std::string& error) {
    if (content.kind == TransferContent::Kind::axfr) return std::move(content.zone);
    IxfrApplied applied = apply_ixfr(zone_records_of(*held), content.steps);
    if (!applied.error.empty()) {
        error = applied.error;
        return std::nullopt;
    }
    return std::move(applied.zone);
}

}  // namespace

ZoneRecords zone_records_of(const Zone& zone) {
    ZoneRecords records;
    for_each_record(zone, nullptr, zone.serial(), [&](const TransferRecord& record) {
        records.add({record.owner, record.type, rr_class::in, record.ttl,
                     {reinterpret_cast<const char*>(record.rdata.data()), record.rdata.size()}, {}});
    });
    return records;
}

RefreshOutcome refresh_zone(const RefreshRequest& request, TransferCancel& cancel) {
    RefreshOutcome outcome;
    const Zone* held = request.held.get();
    for (const PrimaryServer& primary : request.primaries) {
        const std::string name = primary.address.to_string();
        auto failed = [&](const std::string& why) { outcome.errors.push_back(name + ": " + why); };
        const SoaAnswer soa = query_soa(primary, request.origin, request.soa_timeout, cancel);
        if (cancel.cancelled()) break;
        if (!soa.ok()) {
            failed("SOA query: " + soa.reason);
            continue;
        }
        if (held != nullptr && soa.serial == held->serial()) {
            outcome.result = RefreshOutcome::Result::up_to_date;
            outcome.primary = name;
            return outcome;
        }
        if (held != nullptr && !serial_newer(soa.serial, held->serial())) {
            failed("serial " + std::to_string(soa.serial) + " is older than the " + std::to_string(held->serial()) +
                   " held: not taken");
            continue;
        }
        // IXFR from what is held; AXFR when nothing is, or the IXFR failed.
        std::vector<TransferRequest> tries;
        if (held != nullptr)
            tries.push_back(TransferRequest::ixfr(request.origin, held->soa().ttl(), soa_rdata_of(*held)));
        tries.push_back(TransferRequest::axfr(request.origin));
        for (const TransferRequest& asked : tries) {
            const char* kind = asked.qtype == rr_type::ixfr ? "IXFR" : "AXFR";
            Fetched fetched = fetch(request, primary, asked, cancel);
            if (cancel.cancelled()) return outcome;
            if (!fetched.error.empty()) {
                if (fetched.error_names_source) outcome.errors.push_back(fetched.error);
                else failed(std::string(kind) + ": " + fetched.error);
                continue;
            }
            TransferContent& content = fetched.content;
            // A lone SOA means "you are current" (RFC 1995 section 4) only at the serial held;
            // at another, the primary has no history from it: the whole zone then.
            if (content.kind == TransferContent::Kind::up_to_date) {
                if (held != nullptr && content.serial == held->serial()) {
                    outcome.result = RefreshOutcome::Result::up_to_date;
                    outcome.primary = name;
                    return outcome;
                }
                failed(std::string(kind) + ": a lone SOA of serial " + std::to_string(content.serial) +
                       ", not the serial held");
                continue;
            }
            if (held != nullptr && !serial_newer(content.serial, held->serial())) {
                failed(std::string(kind) + ": serial " + std::to_string(content.serial) + " is not newer than the " +
                       std::to_string(held->serial()) + " held: not taken");
                break;
            }
            std::string error;
            std::optional<ZoneRecords> records = records_of(content, held, error);
            if (!records) {
                failed(std::string(kind) + " does not apply to serial " + std::to_string(held->serial()) + ": " + error);
                continue;  // the AXFR next
            }
            Diagnostics problems;
            auto zone = build_zone(request.origin, std::move(*records), request.declared_at, problems);
            if (!zone) {
                failed(std::string(kind) + " of serial " + std::to_string(content.serial) + " refused: " +
                       std::to_string(problems.error_count()) + " errors in the zone");
                for (const auto& problem : problems.all()) {
                    if (problem.severity != Severity::error) continue;
                    if (outcome.errors.size() > max_listed_problems) break;
                    outcome.errors.push_back(problem.to_string());
                }
                break;  // the same zone by AXFR would fail the same checks
            }
            outcome.result = RefreshOutcome::Result::updated;
            outcome.zone = std::move(zone);
            outcome.primary = name;
            outcome.kind = content.kind == TransferContent::Kind::axfr && asked.qtype == rr_type::ixfr
                               ? "IXFR (whole zone)"
                               : kind;
            outcome.messages = fetched.result.messages;
            outcome.bytes = fetched.result.bytes;
            outcome.errors.clear();
            return outcome;
        }
    }
    outcome.result = RefreshOutcome::Result::failed;
    return outcome;
}

}  // namespace azdns
