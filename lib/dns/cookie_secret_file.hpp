// The file of DNS cookie secrets ([cookies] secret_file), which the
// nameservers of a fleet share so that each accepts the others' cookies.
//
// Format: one or two lines of 32 hex digits (16 bytes, either case). The
// first is the current secret, which makes cookies; a second is accepted
// too, in cookies that clients send back. `#` starts a comment, to the end
// of the line; blank lines and blanks around a secret are ignored. Anything
// else is refused with its line and column: a secret of another length, a
// character that is not a hex digit, a third secret, an all-zero secret,
// no secret at all, a file larger than 4 KiB.
// A new secret: `openssl rand -hex 16`.
//
// Rolling the secret (RFC 9018 section 5, three stages), on every
// nameserver of the fleet (azdns or any other RFC 9018 server):
//   1. Add the new secret as the second line (the current one stays
//      first) and reload. Each nameserver now accepts cookies made with
//      either, and still makes them with the old one.
//   2. Once every nameserver has done step 1 (RFC 9018 suggests waiting 5
//      minutes by default), swap the two lines and reload: cookies are now
//      made with the new secret, and those made with the old one are still
//      accepted (and replaced in the reply).
//   3. After at least an hour, the longest a cookie is accepted (RFC 9018
//      recommends the longest TTL served plus half an hour, if longer),
//      remove the old secret's line and reload.
// A client whose cookie no longer verifies is not refused an answer: it is
// given a new cookie, so a step taken early costs a round trip, not an
// outage.
#pragma once

#include <optional>
#include <string>

#include "dns_cookie.hpp"

namespace azdns {

// The secrets of the file at `path`, or nullopt and `error` as
// "PATH:LINE:COLUMN: what is wrong" ("PATH: what is wrong" for the file
// as a whole). Reads at most 4 KiB, and only a regular file.
[[nodiscard]] std::optional<CookieSecrets> read_cookie_secrets(const std::string& path, std::string& error);

}  // namespace azdns
