// The server's log: one line per event on stderr. Text ("azdns: message") by
// default, or one JSON object per line (`--log-format json`) for log
// shippers. Safe from any thread; each line is written with a single
// write(2) so lines from different threads never interleave. Never called
// per query.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace azdns {

enum class LogFormat { text, json };

// RFC 3339, UTC, milliseconds: "2026-11-26T06:58:01.123Z".
[[nodiscard]] std::string wall_clock_text(std::chrono::system_clock::time_point when);

// A message is cut past this many bytes, and says how many more it had.
inline constexpr std::size_t max_log_message = 4096;

// Set once at start, before any thread logs.
void set_log_format(LogFormat format);

void log_line(std::string_view message);

// An event with fields a machine can read: in JSON they are keys beside
// "time" and "message"; in text only the message is printed (it says the
// same in words).
void log_event(std::string_view message, const std::vector<std::pair<std::string, std::string>>& fields);

// The text line of `message`: "azdns: " and the message, with every control
// character but the tab written as \xNN, so that no message (a peer's reply, a file's
// bytes) can start a line of its own in the log; cut past max_log_message.
[[nodiscard]] std::string text_log_line(std::string_view message);

}  // namespace azdns
