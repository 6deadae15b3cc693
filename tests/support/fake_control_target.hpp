// SPDX-License-Identifier: BSD-3-Clause
// A ControlTarget over the StatusScenario engine that counts what requests make it do.
#pragma once

#include "ecmh/app/control_protocol.hpp"
#include "support/status_scenario.hpp"

namespace ecmh::test {

class FakeControlTarget final : public app::ControlTarget {
public:
    [[nodiscard]] const engine::Proxy& proxy() const override { return scenario.proxy; }
    [[nodiscard]] report::StatusContext status_context(proto::TimePoint now) const override {
        return report::StatusContext{now, proto::at_ms(0), "2026-11-23 06:00:00 GMT", 0};
    }
    [[nodiscard]] std::string config_text() const override { return "upstream u0\n"; }
    net::Expected<std::string, std::string> reload(proto::TimePoint /*now*/) override {
        ++reloads;
        if (reload_fails) {
            return net::unexpected(std::string("bad \"file\""));
        }
        return std::string("interfaces rescanned");
    }
    std::string resend(proto::TimePoint /*now*/) override {
        ++resends;
        return "re-sending";
    }
    net::Expected<std::string, std::string> dump(proto::TimePoint /*now*/) override {
        ++dumps;
        return std::string("/run/ecmh/ecmh.dump");
    }

    StatusScenario scenario;
    int reloads = 0;
    int resends = 0;
    int dumps = 0;
    bool reload_fails = false;
};

} // namespace ecmh::test
