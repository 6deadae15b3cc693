// SPDX-License-Identifier: BSD-3-Clause
// The running daemon: one thread, one poll() over the signal fd, the netlink socket, the
// kernel's notices of XDP-feature changes (with the fast path) and the frame source's fds
// (two packet rings for all links, or one libpcap fd per link); the timeout is the engine's
// next deadline − now on the monotonic clock, so nothing runs periodically unless a
// protocol timer is due.
// Under systemd (Type=notify) it says READY=1 when the loop starts, RELOADING=1 … READY=1
// around a reload, STOPPING=1 when it stops, and a STATUS= line (app/service_status.hpp)
// whenever the links it serves change (io/service_notifier.hpp).
//
//   signalfd  → USR1 dump, USR2 resend reports upstream, HUP reload (the configuration
//               file, a rescan, the tunnel peers file), TERM/INT stop
//   netlink   → interface table → LinkManager::reconcile (links come and go live), and
//               in tunnel mode TunnelPeerManager::reconcile (kernel 6in4 tunnels)
//   notices   → XdpForwarding::take_notices → refresh the fast path at once (a veth peer
//               turned GRO off: its link takes no native redirect from now on)
//   capture   → up to kBatch frames per ring (or link) per wakeup → Proxy::on_frame
//   deadline  → Proxy::on_timer
//   control   → ecmhctl's requests on the control socket (ControlServer: non-blocking,
//               each client bounded in time; its deadlines are part of the poll timeout)
#pragma once

#include "ecmh/app/control_server.hpp"
#include "ecmh/app/link_manager.hpp"
#include "ecmh/app/options.hpp"
#include "ecmh/app/tunnel_peer_manager.hpp"
#include "ecmh/app/xdp_forwarding.hpp"
#include "ecmh/engine/proxy.hpp"
#include "ecmh/io/clock.hpp"
#include "ecmh/io/dump_file.hpp"
#include "ecmh/io/netlink_monitor.hpp"
#include "ecmh/io/packet_sender.hpp"
#include "ecmh/io/service_notifier.hpp"
#include "ecmh/io/signal_fd.hpp"

#include <memory>
#include <poll.h>
#include <string>
#include <vector>

namespace ecmh::app {

// A startup failure: the message names the cause, the code is a sysexits value.
struct StartupError {
    int exit_code = kExitSoftware;
    std::string message;
};

class Daemon final : private io::LinkFrameSink, private ControlTarget {
public:
    // Opens everything that needs privileges: signals, netlink (and its first dump),
    // the packet sockets and a capture per qualifying interface. Fails when the
    // upstream interface does not exist.
    // `clock` is where the daemon reads time (io/clock.hpp): the engine's timers and the
    // poll timeout from its monotonic source, the dump's start time from its wall clock.
    [[nodiscard]] static net::Expected<std::unique_ptr<Daemon>, StartupError>
    open(const Options& options, engine::EventLog& log, io::Clock clock = io::Clock{});

    // Runs until SIGTERM/SIGINT; then leaves upstream, writes the final dump and closes
    // every link. Returns the exit code.
    [[nodiscard]] int run();

    [[nodiscard]] io::DumpFile& dump_file() { return dump_; }
    // The command line ecmh was started with (argv[1…]): a reload reads the configuration
    // file again under it, so the command line keeps winning over the file.
    void set_arguments(std::vector<std::string> arguments) { arguments_ = std::move(arguments); }
    // Before dropping root: the control socket (if any) owned by the user.
    [[nodiscard]] io::SysResult<io::Done> prepare_control_for(uid_t uid, gid_t gid) const;
    [[nodiscard]] std::size_t link_count() const { return links_.links().size(); }
    [[nodiscard]] const char* capture_method() const { return source_->name(); }

    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    ~Daemon() override;

    static constexpr int kBatch = 64; // frames per fd per wakeup: fairness between them

private:
    Daemon(const Options& options, engine::EventLog& log, io::Clock clock, io::SignalFd signals,
           io::NetlinkMonitor netlink, io::PacketSender sender,
           std::unique_ptr<io::FrameSource> source);

    void on_link_frame(engine::LinkId link, std::span<const std::uint8_t> frame,
                       std::size_t wire_length, const wire::ReceiveOffload& offload,
                       proto::TimePoint now) override;
    void on_capture_failed(engine::LinkId link, const std::string& why) override;
    void log_capture_notes();
    void rebuild_poll_set();
    [[nodiscard]] int poll_timeout(proto::TimePoint now) const;
    void handle_signals(proto::TimePoint now);
    void handle_control(proto::TimePoint now);
    // ControlTarget: what ecmhctl's requests read and do (SIGHUP's, SIGUSR1's and
    // SIGUSR2's work are these same functions).
    [[nodiscard]] const engine::Proxy& proxy() const override { return proxy_; }
    [[nodiscard]] report::StatusContext status_context(proto::TimePoint now) const override;
    [[nodiscard]] std::string config_text() const override;
    // SIGHUP and `ecmhctl reload`: the configuration file read and checked again and
    // applied as a difference (reload_plan.hpp), or refused whole with the reason; the
    // interfaces rescanned and the tunnel peers file re-read — between RELOADING=1 and
    // READY=1. Returns what happened, or what failed, in a line.
    [[nodiscard]] net::Expected<std::string, std::string> reload(proto::TimePoint now) override;
    [[nodiscard]] net::Expected<std::string, std::string> read_again(proto::TimePoint now);
    [[nodiscard]] std::string resend(proto::TimePoint now) override;
    [[nodiscard]] net::Expected<std::string, std::string> dump(proto::TimePoint now) override;
    // `retry`: reconcile even without news (a capture that failed to open).
    void handle_netlink(proto::TimePoint now, bool retry);
    void handle_captures(proto::TimePoint now);
    // Writes the dump; returns its path, or why it was not written (both logged).
    net::Expected<std::string, std::string> write_dump(proto::TimePoint now);
    void on_send_failure(engine::LinkId link, int error);
    // Tunnel mode: the peers file's peers (nullopt with `error` set when it does not
    // read or parse), and the engine's peers brought in line with every source.
    [[nodiscard]] std::optional<std::vector<TunnelPeerSpec>> read_peers_file(std::string& error);
    // The configuration file and the command line parsed again; nullopt with `error` set
    // when the file does not read or has an error.
    [[nodiscard]] std::optional<Options> read_configuration(std::string& error) const;
    // Logs each link block that matches no interface now (a misspelt name, or a link
    // that comes later), once per start or reload.
    void note_unmatched_blocks() const;
    // The link's settings from the configuration (link_blocks.hpp), checked together.
    [[nodiscard]] engine::LinkSettings settings_of(const std::string& name) const;
    // Applies a configuration read by read_configuration().
    void apply_configuration(Options next);
    [[nodiscard]] std::vector<engine::TunnelPeerConfig> desired_peers() const;
    void reconcile_peers(proto::TimePoint now);
    // The service manager's STATUS= line, sent when it changed; a failed notification is
    // logged and otherwise ignored.
    // --forward xdp|auto: loads the fast path and hands it to the engine and the links;
    // an error when it cannot be loaded and --forward xdp asks for it.
    [[nodiscard]] net::Expected<bool, StartupError> start_fast_path();
    // The links' XDP features read again; the engine re-decides its flows when a link's
    // delivery of native redirects changed. `cause` is for the log.
    void refresh_fast_path(proto::TimePoint now, RefreshCause cause);
    // The kernel's notices read; the fast path refreshed when one matters.
    void handle_feature_notices(proto::TimePoint now);
    // With the fast path: the groups this host itself has joined on the links, read
    // again and handed to the engine, which keeps their flows in userspace (the kernel
    // must see those packets for the host's sockets). After every membership notice and
    // link change, and every kHostGroupsReread (kHostGroupsPoll on a kernel without the
    // notices).
    void update_host_groups(proto::TimePoint now);
    static constexpr auto kHostGroupsReread = std::chrono::seconds{10};
    static constexpr auto kHostGroupsPoll = std::chrono::seconds{1};
    void update_status();
    [[nodiscard]] std::string status_line() const;
    void notified(const io::SysResult<io::Done>& sent);

    Options options_;
    std::vector<std::string> arguments_;
    engine::EventLog& log_;
    io::Clock clock_;
    io::SignalFd signals_;
    io::NetlinkMonitor netlink_;
    io::InterfaceTable interfaces_;
    io::PacketSender sender_;
    std::unique_ptr<io::FrameSource> source_;
    // --forward xdp|auto: the fast path, when loaded. Before proxy_, which holds its cache
    // until it is destroyed.
    std::unique_ptr<XdpForwarding> fast_path_;
    proto::TimePoint next_fast_path_refresh_ = proto::kNever;
    proto::TimePoint next_host_groups_read_ = proto::kNever;
    bool host_group_notices_ = false; // the kernel tells of membership changes
    bool host_groups_failed_ = false; // a failed read was logged (once until one succeeds)
    engine::Proxy proxy_;
    LinkManager links_;
    TunnelPeerManager peers_;
    std::vector<TunnelPeerSpec> file_peers_; // the peers file as last read successfully
    io::DumpFile dump_;
    proto::TimePoint started_;
    std::string started_text_;
    std::optional<ControlServer> control_; // none with --control-socket none
    // [signals, netlink, XDP-feature notices, source_->fds()…, control…]
    std::vector<pollfd> poll_set_;
    static constexpr std::size_t kNoticesAt = 2;
    static constexpr std::size_t kSourceAt = 3;
    std::size_t control_at_ = 0; // where the control socket's entries start
    bool stop_ = false;
    proto::TimePoint retry_at_ = proto::kNever;
    std::vector<std::pair<engine::LinkId, std::string>> failed_captures_;
    proto::TimePoint next_send_warning_{};
    io::ServiceNotifier notifier_;
};

} // namespace ecmh::app
