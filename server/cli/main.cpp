// azdns: the command line. Each subcommand lives in its own file; this one
// only declares them and maps outcomes to the spec's exit codes
// (0 success, 1 a problem the user can fix, 2 usage error).
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "log.hpp"

int main(int argc, char** argv) {
    CLI::App app{"azdns: an authoritative DNS server whose answers follow the health of availability zones"};
    app.require_subcommand(1);

    std::string config_path;
    auto* check = app.add_subcommand("check", "load and validate the config and every zone without serving");
    check->add_option("-c,--config", config_path, "configuration file (TOML)")->required();

    std::string serve_config_path;
    auto* serve = app.add_subcommand("serve", "run the server in the foreground, logs to stderr");
    serve->add_option("-c,--config", serve_config_path, "configuration file (TOML)")->required();
    std::string log_format = "text";
    serve->add_option("--log-format", log_format, "log lines on stderr: text (default) or json, one object per line")
        ->check(CLI::IsMember({"text", "json"}));

    auto* version = app.add_subcommand("version", "version and build options");

    azdns::CtlOptions ctl_options;
    auto* ctl = azdns::add_ctl_subcommand(app, ctl_options);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::ParseError& error) {
        app.exit(error);
        return azdns::exit_usage;
    }

    if (check->parsed()) return azdns::run_check(config_path, std::cout, std::cerr);
    if (serve->parsed()) {
        azdns::set_log_format(log_format == "json" ? azdns::LogFormat::json : azdns::LogFormat::text);
        return azdns::run_serve(serve_config_path, std::cerr);
    }
    if (version->parsed()) return azdns::run_version(std::cout);
    if (ctl->parsed()) return azdns::run_ctl(ctl_options, std::cout, std::cerr);
    return azdns::exit_usage;
}
