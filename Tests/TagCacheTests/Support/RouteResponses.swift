import XCTest

@testable import TagCache

/// Returns the response `handler` gives `request`, waiting for a deferred one.
func response(of handler: any HTTPHandler, to request: HTTPRequest) async -> HTTPResponse {
    switch handler.handle(request) {
    case .response(let response): return response
    case .deferred(let work): return await work()
    }
}

/// Returns the value of the first header field named `name`, compared case-sensitively as the server wrote it.
func header(_ name: String, of response: HTTPResponse) -> String? {
    response.headers.first { $0.name == name }?.value
}

func body(of response: HTTPResponse) -> String {
    String(decoding: response.body, as: UTF8.self)
}

/// Asserts that two responses have the same status, header fields in the same order, and body bytes.
func assertSameResponse(
    _ actual: HTTPResponse, _ expected: HTTPResponse, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.status, expected.status, file: file, line: line)
    XCTAssertEqual(actual.headers.map(\.name), expected.headers.map(\.name), file: file, line: line)
    XCTAssertEqual(actual.headers.map(\.value), expected.headers.map(\.value), file: file, line: line)
    XCTAssertEqual(actual.body, expected.body, file: file, line: line)
}
