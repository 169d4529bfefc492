#include "log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

namespace azdns {

namespace {

LogFormat format = LogFormat::text;

void write_line(const std::string& line) {
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t written = ::write(STDERR_FILENO, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            return;  // stderr is gone: nothing better to do
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
}

// One zone token or peer reply in a message can be megabytes, and journald
// splits lines past 48 KiB: a longer message is cut, saying how much went.
std::string_view kept_part(std::string_view message) { return message.substr(0, max_log_message); }

std::string cut_note(std::string_view message) {
    return message.size() > max_log_message
               ? " ... (" + std::to_string(message.size() - max_log_message) + " bytes more)"
               : std::string();
}

}  // namespace

std::string wall_clock_text(std::chrono::system_clock::time_point when) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis));
    return text;
}

void set_log_format(LogFormat chosen) { format = chosen; }

std::string text_log_line(std::string_view message) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string line;
    line.reserve(std::min(message.size(), max_log_message) + 8);
    line.append("azdns: ");
    for (char c : kept_part(message)) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
            line.append("\\x").push_back(hex[byte >> 4]);
            line.push_back(hex[byte & 0xf]);
        } else {
            line.push_back(c);
        }
    }
    line.append(cut_note(message)).push_back('\n');
    return line;
}

void log_line(std::string_view message) { log_event(message, {}); }

void log_event(std::string_view message, const std::vector<std::pair<std::string, std::string>>& fields) {
    if (format == LogFormat::text) {
        write_line(text_log_line(message));
        return;
    }
    // JSON lines carry their own time: they are often read away from journald's.
    nlohmann::json entry{{"time", wall_clock_text(std::chrono::system_clock::now())}, {"message", std::string(kept_part(message)) + cut_note(message)}};
    for (const auto& [key, value] : fields) entry[key] = value;
    // Invalid UTF-8 (a zone file's bytes in an error) is replaced, never thrown on.
    write_line(entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace azdns
