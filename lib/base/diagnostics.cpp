#include "diagnostics.hpp"

namespace azdns {

const std::string& FileName::empty_path() {
    static const std::string empty;
    return empty;
}

std::string Diagnostic::to_string() const {
    std::string out = where.file.str();
    out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column) + ": ";
    if (severity == Severity::warning) out += "warning: ";
    out += message;
    return out;
}

void Diagnostics::error(SourceLocation where, std::string message) {
    items_.push_back({Severity::error, std::move(where), std::move(message)});
    ++error_count_;
}

void Diagnostics::warning(SourceLocation where, std::string message) {
    items_.push_back({Severity::warning, std::move(where), std::move(message)});
}

void Diagnostics::merge(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
    error_count_ += other.error_count_;
}

}  // namespace azdns
