import Foundation
import Synchronization
import XCTest

@testable import TagCache

final class HTTPServerTests: XCTestCase {
    private struct EchoHandler: HTTPHandler {
        let release: Gate

        func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
            switch request.path {
            case "/slow":
                return .deferred {
                    await release.wait()
                    return HTTPResponse(status: 200, body: Array("slow".utf8))
                }
            default:
                let body = "\(request.method) \(request.path) q=\(request.queryValue("q") ?? "-") "
                    + "h=\(request.header("X-Test") ?? "-")"
                return .response(HTTPResponse(status: 201, headers: [("X-Echo", "yes")], body: Array(body.utf8)))
            }
        }
    }

    func testServer_answersImmediateResponse() async throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: EchoHandler(release: Gate()))
        defer { server.stop() }

        let (status, body, response) = try await httpGet(
            "http://127.0.0.1:\(server.port)/a%20b?q=x%2By", headers: ["X-Test": "v"]
        )

        XCTAssertEqual(status, 201)
        XCTAssertEqual(body, "GET /a b q=x+y h=v")
        XCTAssertEqual(response["X-Echo"], "yes")
    }

    func testServer_answersHitsWhileDeferredRequestsWait() async throws {
        let gate = Gate()
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: EchoHandler(release: gate))
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"

        let slow = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await httpGet(base + "/slow").1 }
                }
                var bodies: [String] = []
                for try await body in group {
                    bodies.append(body)
                }
                return bodies
            }
        }

        // Every slow request must be suspended in the handler before the fast ones start, so that the fast
        // responses below are sent while all 100 connections wait.
        let deadline = Date().addingTimeInterval(20)
        while gate.waiters < 100 && Date() < deadline {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertEqual(gate.waiters, 100)

        // The pool has two threads and 100 requests are suspended; immediate responses must still flow.
        let started = Date()
        for index in 0..<20 {
            let (status, body, _) = try await httpGet(base + "/fast?q=\(index)", timeout: 5)
            XCTAssertEqual(status, 201)
            XCTAssertEqual(body, "GET /fast q=\(index) h=-")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(gate.waiters, 100)
        XCTAssertFalse(gate.isOpen)

        gate.open()
        let bodies = try await slow.value
        XCTAssertEqual(bodies.count, 100)
        XCTAssertEqual(Set(bodies), ["slow"])
    }

    func testServer_rejectsInvalidListenHost() {
        XCTAssertThrowsError(try HTTPServer(host: "not-an-address", port: 0, threads: 1, handler: EchoHandler(release: Gate()))) {
            XCTAssertTrue("\($0)".contains("\"not-an-address\""), "\($0)")
        }
    }

    func testServer_listensOnIPv6Loopback() async throws {
        let server = try HTTPServer(host: "::1", port: 0, threads: 1, handler: EchoHandler(release: Gate()))
        defer { server.stop() }

        let (status, _, _) = try await httpGet("http://[::1]:\(server.port)/x")

        XCTAssertEqual(status, 201)
    }
}

/// Holds async waiters until `open` is called, and counts them.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: Int, continuations: [CheckedContinuation<Void, Never>])>(
        (false, 0, [])
    )

    var waiters: Int { state.withLock { $0.waiters } }

    var isOpen: Bool { state.withLock { $0.open } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.open { return true }
                state.waiters += 1
                state.continuations.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let continuations = state.withLock { state in
            state.open = true
            defer { state.continuations.removeAll() }
            return state.continuations
        }
        continuations.forEach { $0.resume() }
    }
}
