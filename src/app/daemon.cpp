// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/app/daemon.hpp"

#include "ecmh/app/config_file.hpp"
#include "ecmh/app/host_group_links.hpp"
#include "ecmh/app/options_text.hpp"
#include "ecmh/app/reload_plan.hpp"
#include "ecmh/app/service_status.hpp"
#include "ecmh/io/clock.hpp"
#include "ecmh/io/text_file.hpp"
#include "ecmh/report/dump.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sys/random.h>

namespace ecmh::app {
namespace {

using engine::LogLevel;

engine::ProxyConfig proxy_config(const Options& o) {
    engine::ProxyConfig c;
    c.vars = o.timers;
    c.mld_mode = o.mld_mode == MldMode::V1Only   ? engine::MldMode::V1Only
                 : o.mld_mode == MldMode::V2Only ? engine::MldMode::V2Only
                                                 : engine::MldMode::Auto;
    c.igmp_version = o.igmp_version;
    c.igmp3_only = o.igmp3_only;
    c.accept_off_subnet = o.accept_off_subnet;
    c.host_compatibility = o.host_compatibility;
    c.ipv4 = o.ipv4;
    c.ipv6 = o.ipv6;
    c.max_groups_per_link = o.limits.max_groups_per_link;
    c.max_sources_per_group = o.limits.max_sources_per_group;
    c.max_total_sources = o.limits.max_total_sources;
    c.max_membership_rate = o.limits.max_membership_rate;
    c.tunnel_mode = o.tunnel_mode;
    c.ssm6 = o.ssm6;
    c.ssm4 = o.ssm4;
    if (o.translate) {
        c.translation = o.translation;
    }
    c.flow_idle = std::chrono::duration_cast<proto::Duration>(o.fast_path.idle);
    return c;
}

// `o` outlives the policy: it is the daemon's own Options.
io::LinkSelectionPolicy selection_policy(const Options& o) {
    return io::LinkSelectionPolicy{upstream_names(o), o.interfaces, o.excluded, o.tunnel_mode,
                                   [&o](const std::string& name) {
                                       return configured_role(o, name) == LinkRoleSetting::Disabled;
                                   }};
}

io::CaptureOptions capture_options(const Options& o) {
    io::CaptureOptions c;
    c.promiscuous = o.promiscuous;
    c.tunnel_mode = o.tunnel_mode;
    c.ipv4 = o.ipv4;
    c.ipv6 = o.ipv6;
    if (o.fast_path.forward != ForwardPath::Userspace) {
        c.buffer_bytes = io::CaptureOptions::kFastPathBufferBytes;
    }
    return c;
}

// Query timers and report jitter must differ between two ecmh instances started at
// the same moment, so the seed comes from the kernel, not the clock.
std::uint64_t random_seed() {
    std::uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof seed)) {
        seed = static_cast<std::uint64_t>(io::monotonic_now().time_since_epoch().count());
    }
    return seed;
}

StartupError startup_error(int code, std::string message) {
    return StartupError{code, std::move(message)};
}

// Waits (bounded) until netlink's first dump is complete, so the first reconcile sees
// every interface.
net::Expected<bool, StartupError> load_interfaces(io::NetlinkMonitor& netlink,
                                                  io::InterfaceTable& table) {
    const auto give_up = io::monotonic_now() + std::chrono::seconds{5};
    while (netlink.dumping()) {
        if (io::monotonic_now() > give_up) {
            return net::unexpected(
                startup_error(kExitOsError, "netlink: no interface list from the kernel in 5 s"));
        }
        pollfd p{netlink.fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        if (auto r = netlink.receive(table); !r) {
            return net::unexpected(startup_error(kExitOsError, r.error().message()));
        }
    }
    return true;
}

net::Expected<std::unique_ptr<io::FrameSource>, StartupError>
open_frame_source(const Options& options, engine::EventLog& log) {
    const auto capture = capture_options(options);
#ifdef __linux__
    if (options.capture == CaptureMethod::Ring) {
        auto ring = io::make_ring_source(capture);
        if (ring) {
            return std::move(*ring);
        }
        if (ring.error().code == EPERM) {
            return net::unexpected(startup_error(
                kExitNoPermission, ring.error().message() + " (ecmh needs root or CAP_NET_RAW)"));
        }
        log.log(LogLevel::Warning, "packet rings unavailable (" + ring.error().message() +
                                       "): capturing with libpcap");
    }
#else
    (void)log;
#endif
    return io::make_pcap_source(capture);
}

} // namespace

net::Expected<std::unique_ptr<Daemon>, StartupError>
Daemon::open(const Options& options, engine::EventLog& log, io::Clock clock) {
    auto signals = io::SignalFd::open();
    if (!signals) {
        return net::unexpected(startup_error(kExitOsError, signals.error().message()));
    }
    auto netlink = io::NetlinkMonitor::open();
    if (!netlink) {
        return net::unexpected(startup_error(kExitOsError, netlink.error().message()));
    }
    auto sender = io::PacketSender::open(options.tunnel_mode);
    if (!sender) {
        const int code = sender.error().code == EPERM ? kExitNoPermission : kExitOsError;
        return net::unexpected(startup_error(
            code, sender.error().message() +
                      (code == kExitNoPermission ? " (ecmh needs root or CAP_NET_RAW)" : "")));
    }
    auto source = open_frame_source(options, log);
    if (!source) {
        return net::unexpected(source.error());
    }
    std::unique_ptr<Daemon> daemon{new Daemon(options, log, std::move(clock), std::move(*signals),
                                              std::move(*netlink), std::move(*sender),
                                              std::move(*source))};
    if (!options.control_socket.empty()) {
        auto listener = io::ControlListener::open(options.control_socket);
        if (!listener) {
            return net::unexpected(startup_error(kExitCantCreate, listener.error().message()));
        }
        daemon->control_.emplace(std::move(*listener), log);
    }
    if (auto loaded = load_interfaces(daemon->netlink_, daemon->interfaces_); !loaded) {
        return net::unexpected(loaded.error());
    }
    // At boot a PPPoE, WireGuard, VLAN or container link often appears after the daemons
    // start: an upstream that is not there yet is waited for, and the other links are served
    // meanwhile (as without -i). LinkManager takes it into service when netlink announces it.
    for (const auto& upstream : upstream_names(options)) {
        if (daemon->interfaces_.find(upstream) == nullptr) {
            log.log(LogLevel::Warning, "upstream interface " + upstream +
                                           " does not exist (yet): waiting for it, serving "
                                           "the other links without it meanwhile");
        }
    }
    daemon->note_unmatched_blocks();
    if (options.tunnel_peers_file) {
        std::string error;
        auto peers = daemon->read_peers_file(error);
        if (!peers) {
            return net::unexpected(startup_error(kExitConfig, error));
        }
        daemon->file_peers_ = std::move(*peers);
    }
    if (auto started = daemon->start_fast_path(); !started) {
        return net::unexpected(started.error());
    }
    const auto now = daemon->clock_.now();
    daemon->proxy_.configure_upstreams(upstream_serves(options), now);
    daemon->links_.reconcile(daemon->interfaces_, now);
    daemon->refresh_fast_path(now, RefreshCause::Links);
    daemon->update_host_groups(now);
    daemon->log_capture_notes();
    daemon->reconcile_peers(now);
    if (daemon->links_.links().empty()) {
        log.log(LogLevel::Warning, "no usable interface yet: waiting for one to appear");
    }
    daemon->rebuild_poll_set();
    return daemon;
}

Daemon::Daemon(const Options& options, engine::EventLog& log, io::Clock clock, io::SignalFd signals,
               io::NetlinkMonitor netlink, io::PacketSender sender,
               std::unique_ptr<io::FrameSource> source)
    : options_(options), log_(log), clock_(std::move(clock)), signals_(std::move(signals)),
      netlink_(std::move(netlink)), sender_(std::move(sender)), source_(std::move(source)),
      proxy_(proxy_config(options), sender_, log, random_seed()),
      links_(proxy_, sender_, *source_, log, selection_policy(options_)), peers_(proxy_, log),
      dump_(options.dump_file), started_(clock_.now()), started_text_(clock_.wall_clock_text()) {
    sender_.on_failure([this](engine::LinkId link, int error) { on_send_failure(link, error); });
    links_.set_settings_source([this](const std::string& name) { return settings_of(name); });
}

Daemon::~Daemon() = default;

net::Expected<bool, StartupError> Daemon::start_fast_path() {
    if (options_.fast_path.forward == ForwardPath::Userspace) {
        return false;
    }
    auto loaded = XdpForwarding::load(options_.fast_path, log_);
    if (!loaded) {
        if (options_.fast_path.forward == ForwardPath::Xdp) {
            return net::unexpected(startup_error(
                kExitUnavailable, "XDP fast path (--forward xdp): " + loaded.error()));
        }
        log_.log(LogLevel::Warning,
                 "XDP fast path unavailable (" + loaded.error() + "): forwarding in userspace");
        return false;
    }
    fast_path_ = std::move(*loaded);
    proxy_.set_flow_cache(&fast_path_->cache());
    links_.set_observer(fast_path_.get());
    fast_path_->set_offload_changed([this] { proxy_.flow_offload_changed(clock_.now()); });
    next_fast_path_refresh_ = clock_.now() + XdpForwarding::kRefreshInterval;
    log_.log(LogLevel::Info,
             "XDP fast path loaded: up to " + std::to_string(options_.fast_path.flows) + " flows");
    if (auto followed = netlink_.follow_host_groups(); followed) {
        host_group_notices_ = true;
    } else {
        log_.log(LogLevel::Warning,
                 "no notices of this host's own multicast memberships from the kernel (" +
                     followed.error().message() +
                     "; Linux 6.13 and later send them): they are read every second instead");
    }
    return true;
}

void Daemon::update_host_groups(proto::TimePoint now) {
    if (!fast_path_) {
        return;
    }
    next_host_groups_read_ = now + (host_group_notices_ ? kHostGroupsReread : kHostGroupsPoll);
    const auto groups = io::read_host_groups();
    if (!groups) {
        // The last set stays: a group the host listens to stays in userspace meanwhile.
        if (!std::exchange(host_groups_failed_, true)) {
            log_.log(LogLevel::Error,
                     "this host's multicast memberships: " + groups.error().message());
        }
        return;
    }
    host_groups_failed_ = false;
    proxy_.set_host_groups(host_groups_on_links(*groups, links_.links()), now);
}

void Daemon::refresh_fast_path(proto::TimePoint now, RefreshCause cause) {
    if (!fast_path_) {
        return;
    }
    next_fast_path_refresh_ = now + XdpForwarding::kRefreshInterval;
    if (fast_path_->refresh(cause)) {
        proxy_.flow_offload_changed(now);
    }
}

void Daemon::handle_feature_notices(proto::TimePoint now) {
    if (!fast_path_) {
        return;
    }
    const auto cause = fast_path_->take_notices();
    poll_set_[kNoticesAt].fd = fast_path_->notice_fd(); // -1 once the watch has failed
    if (cause) {
        refresh_fast_path(now, *cause);
    }
}

void Daemon::rebuild_poll_set() {
    poll_set_.clear();
    poll_set_.push_back(pollfd{signals_.fd(), POLLIN, 0});
    poll_set_.push_back(pollfd{netlink_.fd(), POLLIN, 0});
    // Always at kNoticesAt, so that the capture fds start at kSourceAt; -1 (skipped by
    // poll) without a fast path or without the kernel's notices.
    poll_set_.push_back(pollfd{fast_path_ ? fast_path_->notice_fd() : -1, POLLIN, 0});
    for (const int fd : source_->fds()) {
        poll_set_.push_back(pollfd{fd, POLLIN, 0});
    }
    control_at_ = poll_set_.size();
    if (control_) {
        control_->append_poll_fds(poll_set_);
    }
}

io::SysResult<io::Done> Daemon::prepare_control_for(uid_t uid, gid_t gid) const {
    if (!control_) {
        return io::Done{};
    }
    return control_->listener().prepare_for(uid, gid);
}

int Daemon::poll_timeout(proto::TimePoint now) const {
    auto next = std::min(
        {proxy_.next_deadline(), retry_at_, next_fast_path_refresh_, next_host_groups_read_});
    if (control_) {
        next = std::min(next, control_->next_deadline());
    }
    return io::poll_timeout_ms(next, now);
}

int Daemon::run() {
    // The daemon serves from here on: privileges dropped, links open (main.cpp).
    notified(notifier_.ready(status_line()));
    while (!stop_) {
        const int ready = ::poll(poll_set_.data(), poll_set_.size(), poll_timeout(clock_.now()));
        if (ready < 0 && errno != EINTR) {
            log_.log(LogLevel::Error, std::string("poll: ") + std::strerror(errno));
            return kExitOsError;
        }
        const auto now = clock_.now();
        if (ready > 0) {
            if (poll_set_[0].revents != 0) {
                handle_signals(now);
            }
            // Before the captures: a link that lost native redirects loses its flows first.
            // Before netlink: its refresh, which would find the same change, would be named
            // the cause in the log.
            if (poll_set_[kNoticesAt].revents != 0) {
                handle_feature_notices(now);
            }
            if (poll_set_[1].revents != 0) {
                handle_netlink(now, false);
            }
            handle_captures(now);
        }
        handle_control(now);
        if (now >= retry_at_) {
            retry_at_ = proto::kNever;
            handle_netlink(now, true);
        }
        if (now >= next_fast_path_refresh_) {
            refresh_fast_path(now, RefreshCause::Periodic);
        }
        if (now >= next_host_groups_read_) {
            update_host_groups(now);
        }
        if (proxy_.next_deadline() <= now) {
            proxy_.on_timer(now);
        }
        sender_.flush(); // everything this wakeup produced, in as few syscalls as possible
    }
    notified(notifier_.stopping());
    const auto now = clock_.now();
    log_.log(LogLevel::Info, options_.upstream ? "stopping: leaving upstream groups" : "stopping");
    proxy_.shutdown(now);
    sender_.flush();
    (void)write_dump(now); // the final dump, as the original ecmh wrote one at exit
    peers_.close_all(now);
    links_.close_all(now);
    return kExitOk;
}

void Daemon::handle_signals(proto::TimePoint now) {
    for (const auto signal : signals_.take()) {
        switch (signal) {
        case io::Signal::DumpStats:
            (void)write_dump(now);
            break;
        case io::Signal::ResendReports:
            log_.log(LogLevel::Info, "SIGUSR2: " + resend(now));
            break;
        case io::Signal::Rescan:
            log_.log(LogLevel::Info, "SIGHUP: rescanning interfaces");
            if (auto r = reload(now); r) {
                log_.log(LogLevel::Info, "SIGHUP: " + *r);
            } else {
                log_.log(LogLevel::Error, "SIGHUP: " + r.error());
            }
            break;
        case io::Signal::Stop:
            stop_ = true;
            break;
        }
    }
}

void Daemon::handle_control(proto::TimePoint now) {
    if (!control_) {
        return;
    }
    const auto ready = std::span<const pollfd>(poll_set_).subspan(control_at_);
    const bool any =
        std::any_of(ready.begin(), ready.end(), [](const pollfd& p) { return p.revents != 0; });
    if (!any && now < control_->next_deadline()) {
        return;
    }
    proxy_.sync_flow_counters(); // what ecmhctl reads includes the XDP-forwarded packets
    control_->handle(ready, *this, now);
    poll_set_.resize(control_at_);
    control_->append_poll_fds(poll_set_);
}

// handle_control() synced the flows' counters before the request got here.
report::StatusContext Daemon::status_context(proto::TimePoint now) const {
    report::StatusContext context{now, started_, started_text_, source_->kernel_drops()};
    if (fast_path_) {
        context.fast_path = fast_path_->view();
    }
    return context;
}

std::string Daemon::config_text() const {
    return options_text(options_);
}

net::Expected<std::string, std::string> Daemon::reload(proto::TimePoint now) {
    notified(notifier_.reloading()); // first: systemctl reload waits for the READY=1 below
    auto result = read_again(now);
    notified(notifier_.ready_after_reload(status_line()));
    return result;
}

net::Expected<std::string, std::string> Daemon::read_again(proto::TimePoint now) {
    std::string result = "interfaces rescanned";
    if (options_.config_file) {
        std::string error;
        auto next = read_configuration(error);
        if (!next) {
            return net::unexpected("reload refused: " + error +
                                   "; the running configuration is kept");
        }
        apply_configuration(std::move(*next));
        note_unmatched_blocks();
        // Before the links change: a link that becomes an upstream reports only its groups.
        proxy_.configure_upstreams(upstream_serves(options_), now);
        result = "configuration " + *options_.config_file + " applied, " + result;
        // Links whose settings, role or selection changed are updated now, with the
        // table at hand; the rescan below brings the table itself up to date.
        if (links_.reconcile(interfaces_, now)) {
            rebuild_poll_set();
        }
        refresh_fast_path(now, RefreshCause::Links);
    }
    // The rescan and the peers file both run even when one fails, as SIGHUP always did.
    std::string failure;
    if (auto r = netlink_.resync(); !r) {
        failure = r.error().message();
    }
    if (options_.tunnel_peers_file) {
        std::string error;
        if (auto peers = read_peers_file(error)) {
            file_peers_ = std::move(*peers);
            reconcile_peers(now);
            result += "; tunnel peers file re-read";
        } else {
            failure += (failure.empty() ? "" : "; ") + error + "; keeping the running tunnel peers";
        }
    }
    if (!failure.empty()) {
        return net::unexpected(std::move(failure));
    }
    return result;
}

void Daemon::note_unmatched_blocks() const {
    std::vector<std::string> names;
    for (const auto& [index, info] : interfaces_.all()) {
        names.push_back(info.name);
    }
    for (const auto& block : unmatched_blocks(options_, names)) {
        log_.log(LogLevel::Warning, "link " + block.pattern + " (line " +
                                        std::to_string(block.line) + " of " +
                                        options_.config_file.value_or("the configuration") +
                                        ") matches no interface (yet): its settings apply "
                                        "when one appears");
    }
}

engine::LinkSettings Daemon::settings_of(const std::string& name) const {
    auto settings = link_settings(options_, name);
    // Blocks that are each right may combine into a response interval that is not below
    // the query interval; the link keeps the global timers then, and the log says why.
    if (settings.vars) {
        if (auto error = timers_error(*settings.vars)) {
            log_.log(LogLevel::Error, "link " + name + ": " + *error +
                                          " where its link blocks combine: it uses the "
                                          "global timers");
            settings.vars = options_.timers;
        }
    }
    return settings;
}

std::optional<Options> Daemon::read_configuration(std::string& error) const {
    auto text = io::read_text_file(*options_.config_file);
    if (!text) {
        error = *options_.config_file + ": " + text.error().message();
        return std::nullopt;
    }
    std::vector<std::string> arguments{"ecmh"};
    arguments.insert(arguments.end(), arguments_.begin(), arguments_.end());
    std::vector<char*> argv;
    argv.reserve(arguments.size() + 1);
    for (auto& a : arguments) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const ConfigText config{*options_.config_file, std::move(*text)};
    const auto parsed =
        parse_command_line(static_cast<int>(arguments.size()), argv.data(), &config);
    if (parsed.error || !parsed.command_line) {
        error = parsed.error ? parsed.error->message : "no configuration";
        return std::nullopt;
    }
    return parsed.command_line->options;
}

void Daemon::apply_configuration(Options next) {
    auto plan = plan_reload(options_, std::move(next));
    for (const auto& name : plan.restart_only) {
        log_.log(LogLevel::Warning,
                 "reload: '" + name + "' changed: it takes effect when ecmh restarts");
    }
    options_ = std::move(plan.next);
    links_.set_policy(selection_policy(options_));
}

std::string Daemon::resend(proto::TimePoint now) {
    proxy_.resend_reports(now);
    return options_.upstream ? "re-sending the membership state upstream"
                             : "no upstream link (-i), nothing to re-send";
}

net::Expected<std::string, std::string> Daemon::dump(proto::TimePoint now) {
    return write_dump(now);
}

void Daemon::handle_netlink(proto::TimePoint now, bool retry) {
    auto changed = netlink_.receive(interfaces_);
    if (!changed) {
        log_.log(LogLevel::Error, changed.error().message());
        return;
    }
    // The table stays complete during a resync dump (it is swapped in at the end), so
    // every change can be acted on at once.
    if (!*changed && !retry) {
        if (netlink_.take_host_groups_changed()) {
            update_host_groups(now);
        }
        return;
    }
    if (links_.reconcile(interfaces_, now)) {
        rebuild_poll_set();
    }
    log_capture_notes();
    // A veth peer's GRO or XDP program changes what its link takes.
    refresh_fast_path(now, RefreshCause::Links);
    (void)netlink_.take_host_groups_changed();
    update_host_groups(now); // a new link's index may be one the host listens on
    reconcile_peers(now);    // our addresses, or the kernel's tunnels, may have changed
    if (links_.wants_retry()) {
        retry_at_ = now + std::chrono::seconds{5};
    }
    update_status();
}

void Daemon::handle_captures(proto::TimePoint now) {
    source_->dispatch(
        std::span<const pollfd>(poll_set_).subspan(kSourceAt, control_at_ - kSourceAt), kBatch, now,
        *this);
    if (failed_captures_.empty()) {
        return;
    }
    for (const auto& [link, why] : failed_captures_) {
        links_.drop(link, why); // reopened once the link is up; its listeners stay
    }
    failed_captures_.clear();
    retry_at_ = now + std::chrono::seconds{5};
    rebuild_poll_set();
}

void Daemon::on_link_frame(engine::LinkId link, std::span<const std::uint8_t> frame,
                           std::size_t wire_length, const wire::ReceiveOffload& offload,
                           proto::TimePoint now) {
    proxy_.on_captured(link, frame, wire_length, offload, now);
}

void Daemon::log_capture_notes() {
    for (const auto& note : source_->take_notes()) {
        log_.log(LogLevel::Warning, note);
    }
}

void Daemon::on_capture_failed(engine::LinkId link, const std::string& why) {
    failed_captures_.emplace_back(link, why);
}

void Daemon::on_send_failure(engine::LinkId link, int error) {
    proxy_.count(engine::DropReason::SendFailed);
    const auto now = clock_.now();
    if (now >= next_send_warning_) {
        next_send_warning_ = now + std::chrono::seconds{10}; // one line per 10 s at most
        const auto* l = proxy_.link(link);
        log_.log(LogLevel::Warning, "send on " + (l != nullptr ? l->config.name : "?") +
                                        " failed: " + std::strerror(error) +
                                        " (counted as send-failed; next warning in 10 s)");
    }
}

std::optional<std::vector<TunnelPeerSpec>> Daemon::read_peers_file(std::string& error) {
    const auto& path = *options_.tunnel_peers_file;
    const auto text = io::read_text_file(path);
    if (!text) {
        error = "tunnel peers file: " + text.error().message();
        return std::nullopt;
    }
    auto peers = parse_tunnel_peers(*text);
    if (!peers) {
        error = path + ":" + std::to_string(peers.error().line) + ": " + peers.error().what;
        return std::nullopt;
    }
    return std::move(*peers);
}

std::vector<engine::TunnelPeerConfig> Daemon::desired_peers() const {
    std::vector<engine::TunnelPeerConfig> desired;
    if (!options_.tunnel_mode) {
        return desired;
    }
    for (const auto* list : {&options_.tunnel_peers, &file_peers_}) {
        for (const auto& p : *list) {
            desired.push_back(configured_peer(p.remote, p.local));
        }
    }
    auto kernel = kernel_tunnel_peers(interfaces_, upstream_names(options_));
    desired.insert(desired.end(), kernel.begin(), kernel.end());
    return desired;
}

void Daemon::reconcile_peers(proto::TimePoint now) {
    if (options_.tunnel_mode) {
        proxy_.set_kernel_tunnels(upstream_tunnels(interfaces_, upstream_names(options_)));
        peers_.reconcile(desired_peers(), now);
    }
}

std::string Daemon::status_line() const {
    return service_status(links_.links(), upstream_names(options_),
                          options_.tunnel_mode ? std::optional{peers_.size()} : std::nullopt);
}

void Daemon::update_status() {
    notified(notifier_.status(status_line()));
}

void Daemon::notified(const io::SysResult<io::Done>& sent) {
    if (!sent) {
        log_.log(LogLevel::Warning, "service manager: " + sent.error().message());
    }
}

net::Expected<std::string, std::string> Daemon::write_dump(proto::TimePoint now) {
    proxy_.sync_flow_counters(); // the XDP-forwarded packets into the counters shown
    report::DumpContext context{now, started_, started_text_, source_->kernel_drops()};
    if (fast_path_) {
        context.fast_path = fast_path_->view();
    }
    const auto text = report::render_dump(proxy_, context);
    auto written = dump_.write(text);
    if (!written) {
        auto why = "dump: " + written.error().message();
        log_.log(LogLevel::Error, why);
        return net::unexpected(std::move(why));
    }
    log_.log(LogLevel::Info, "dump written to " + dump_.path() +
                                 (*written ? "" : " (in place: its directory is not writable)"));
    return dump_.path();
}

} // namespace ecmh::app
