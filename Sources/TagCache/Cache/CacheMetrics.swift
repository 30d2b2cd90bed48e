import Foundation
import Synchronization

/// Counters of what the cache did since the process started, rendered in the Prometheus text exposition format
/// (version 0.0.4) for `GET /metrics`.
final class CacheMetrics: Sendable {
    private struct State {
        var hits = 0
        var misses = 0
        var negativeHits = 0
        var coalesced = 0
        var revalidations: [String: Int] = [:]
        var staleAnswers: [String: Int] = [:]
        var failureAnswers: [String: Int] = [:]
        var upstreamFetches: [LabelPair: Int] = [:]
        var upstreamSeconds: [String: LatencyHistogram] = [:]
    }

    private struct LabelPair: Hashable {
        let registry: String
        let outcome: String
    }

    private let state = Mutex(State())

    /// Counts an answer that returned a tag list.
    func recordAnswer(_ source: CacheAnswer.Source, isStale: Bool) {
        state.withLock { state in
            switch source {
            case .fresh:
                state.hits += 1
            case .onlyIfCached:
                if isStale {
                    state.staleAnswers["only-if-cached", default: 0] += 1
                } else {
                    state.hits += 1
                }
            case .staleWhileRevalidate:
                state.staleAnswers["stale-while-revalidate", default: 0] += 1
            case .staleIfError, .staleAfterRecentError:
                state.staleAnswers["stale-if-error", default: 0] += 1
            case .maxStale:
                state.staleAnswers["max-stale", default: 0] += 1
            case .miss(let collapsed):
                state.misses += 1
                if collapsed { state.coalesced += 1 }
            case .revalidated(let collapsed):
                state.revalidations["stale", default: 0] += 1
                if collapsed { state.coalesced += 1 }
            case .revalidatedOnRequest(let collapsed):
                state.revalidations["request", default: 0] += 1
                if collapsed { state.coalesced += 1 }
            }
        }
    }

    /// Counts an error returned from a remembered failure: a negative entry, or a failing first fetch in backoff.
    func recordRememberedFailure(_ kind: FetchError.Kind) {
        state.withLock { state in
            if kind == .nameUnknown || kind == .nameUnknownOrDenied {
                state.negativeHits += 1
            } else {
                state.failureAnswers["backoff", default: 0] += 1
            }
        }
    }

    /// Counts one fetch from `registry`: `outcome` is `ok` or a `FetchError.Kind` raw value.
    func recordUpstreamFetch(registry: String, outcome: String, seconds: Double) {
        state.withLock { state in
            state.upstreamFetches[LabelPair(registry: registry, outcome: outcome), default: 0] += 1
            state.upstreamSeconds[registry, default: LatencyHistogram()].observe(seconds)
        }
    }

    /// Renders every metric, with the registry requests and the gauges the caller measured at scrape time.
    ///
    /// - Parameter queueLengths: Fetches waiting for a registry slot by priority, nil without a limiter.
    func render(
        requests: [String: RegistryStats.RequestTotals], refreshesInFlight: Int, queueLengths: [FetchPriority: Int]?,
        entries: Int?, databaseBytes: Int?
    ) -> String {
        let state = state.withLock { $0 }
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                text += "\(name)\(sample.labels) \(sample.value)\n"
            }
        }

        metric("tagcache_hits_total", "counter", "Fresh tag lists returned from the cache.", [("", String(state.hits))])
        metric("tagcache_misses_total", "counter", "Requests for repositories with nothing stored, fetched then.",
               [("", String(state.misses))])
        metric("tagcache_revalidations_total", "counter",
               "Stored lists fetched again before returning, by reason: stale, or the request's directives.",
               Self.labelled("reason", state.revalidations))
        metric("tagcache_stale_answers_total", "counter", "Stale tag lists returned, by the rule that allowed it.",
               Self.labelled("reason", state.staleAnswers))
        metric("tagcache_negative_hits_total", "counter",
               "404 responses from remembered unknown repositories, without a registry request.",
               [("", String(state.negativeHits))])
        metric("tagcache_backoff_errors_total", "counter",
               "Errors returned from a remembered failing first fetch, without a registry request.",
               [("", String(state.failureAnswers["backoff", default: 0]))])
        metric("tagcache_coalesced_total", "counter", "Requests that shared a registry fetch another request started.",
               [("", String(state.coalesced))])
        metric("tagcache_upstream_fetches_total", "counter",
               "Complete tag list fetches (all pages) by registry and outcome: ok or the error kind.",
               state.upstreamFetches.sorted { ($0.key.registry, $0.key.outcome) < ($1.key.registry, $1.key.outcome) }
                   .map { ("{registry=\(Self.quoted($0.key.registry)),outcome=\(Self.quoted($0.key.outcome))}", String($0.value)) })
        metric("tagcache_upstream_fetch_seconds", "histogram", "Duration of tag list fetches by registry.",
               Self.histogramSamples(state.upstreamSeconds))
        let statuses = requests.keys.sorted().flatMap { registry in
            requests[registry]!.responses.sorted { $0.key < $1.key }.map { status, count in
                ("{registry=\(Self.quoted(registry)),status=\(Self.quoted(RegistryActivity.statusLabel(status)))}",
                 String(count))
            }
        }
        metric("tagcache_upstream_requests_total", "counter",
               "HTTP requests the OCI client sent, token requests and retries included, by registry and response "
                   + "status; status none is a request that got no response.",
               statuses)
        metric("tagcache_upstream_request_seconds", "histogram", "Duration of HTTP requests to registries by registry.",
               Self.histogramSamples(requests.mapValues(\.latency)))
        metric("tagcache_refreshes_in_flight", "gauge", "Registry fetches running now.", [("", String(refreshesInFlight))])
        if let queueLengths {
            metric("tagcache_refresh_queue_length", "gauge",
                   "Registry fetches waiting for a slot under the registry's concurrency limit, by priority: "
                       + "interactive when a client waits for the result, background otherwise.",
                   [FetchPriority.interactive, .background].map { priority in
                       ("{priority=\(Self.quoted(priority == .interactive ? "interactive" : "background"))}",
                        String(queueLengths[priority] ?? 0))
                   })
        }
        if let entries {
            metric("tagcache_entries", "gauge", "Tag lists stored in the database.", [("", String(entries))])
        }
        if let databaseBytes {
            metric("tagcache_database_bytes", "gauge", "Size of the database file and its write-ahead log.",
                   [("", String(databaseBytes))])
        }
        return text
    }

    private static func labelled(_ label: String, _ counts: [String: Int]) -> [(labels: String, value: String)] {
        counts.keys.sorted().map { ("{\(label)=\(quoted($0))}", String(counts[$0]!)) }
    }

    private static func histogramSamples(
        _ histograms: [String: LatencyHistogram]
    ) -> [(labels: String, value: String)] {
        var samples: [(labels: String, value: String)] = []
        for registry in histograms.keys.sorted() {
            let histogram = histograms[registry]!
            let name = quoted(registry)
            for (index, bound) in LatencyHistogram.bounds.enumerated() {
                samples.append(("_bucket{registry=\(name),le=\"\(bound)\"}", String(histogram.buckets[index])))
            }
            samples.append(("_bucket{registry=\(name),le=\"+Inf\"}", String(histogram.count)))
            samples.append(("_sum{registry=\(name)}", String(histogram.sum)))
            samples.append(("_count{registry=\(name)}", String(histogram.count)))
        }
        return samples
    }

    /// Returns a label value in quotes, with `\`, `"` and line feeds escaped as the text format requires.
    private static func quoted(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return "\"\(escaped)\""
    }
}
