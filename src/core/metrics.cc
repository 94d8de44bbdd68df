#include "core/metrics.h"

#include <cstdio>
#include <stdexcept>

namespace sealmail::metrics {

const std::vector<double>& Histogram::bounds() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

Histogram::Histogram() : buckets_(bounds().size()) {}

void Histogram::observe(double seconds) {
  for (size_t i = 0; i < bounds().size(); ++i)
    if (seconds <= bounds()[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

namespace {
std::string with_label(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return "{" + labels + "," + extra + "}";
}
std::string braces(const std::string& labels) { return labels.empty() ? "" : "{" + labels + "}"; }
}  // namespace

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  char buf[64];
  for (size_t i = 0; i < bounds().size(); ++i) {
    std::snprintf(buf, sizeof buf, "le=\"%g\"", bounds()[i]);
    out += name + "_bucket" + with_label(labels, buf) + " " + std::to_string(buckets_[i].load()) + "\n";
  }
  out += name + "_bucket" + with_label(labels, "le=\"+Inf\"") + " " + std::to_string(count_.load()) + "\n";
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(sum_micros_.load()) / 1e6);
  out += name + "_sum" + braces(labels) + " " + buf + "\n";
  out += name + "_count" + braces(labels) + " " + std::to_string(count_.load()) + "\n";
}

Registry::Family& Registry::family(const std::string& name, const char* type, const std::string& help) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  } else if (f.type != type) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return f;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const std::string& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, "counter", help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const std::string& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, "gauge", help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, const std::string& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, "histogram", help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
    for (const auto& [labels, c] : f.counters) out += name + braces(labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : f.gauges) out += name + braces(labels) + " " + std::to_string(g->value()) + "\n";
    for (const auto& [labels, h] : f.histograms) h->render(out, name, labels);
  }
  return out;
}

Registry& global() {
  static Registry r;
  return r;
}

ProtocolMeter& protocol_meter(const std::string& protocol) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<ProtocolMeter>> meters;
  std::lock_guard lock(mutex);
  auto& slot = meters[protocol];
  if (!slot) {
    std::string label = "protocol=\"" + protocol + "\"";
    auto& r = global();
    slot.reset(new ProtocolMeter{
        r.counter("sealmail_commands_total", "Commands received, by protocol.", label),
        r.counter("sealmail_command_errors_total", "Commands answered with an error, by protocol.", label),
        r.histogram("sealmail_command_seconds", "Command latency until the answer is ready, by protocol.", label)});
  }
  return *slot;
}

CommandTimer::CommandTimer(ProtocolMeter& meter) : meter_(meter), started_(std::chrono::steady_clock::now()) {
  meter_.commands.add();
}

CommandTimer::~CommandTimer() {
  meter_.seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
}

}  // namespace sealmail::metrics
