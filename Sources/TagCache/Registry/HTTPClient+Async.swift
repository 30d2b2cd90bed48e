extension HTTPClient {
    /// Performs `request` on a `BlockingWork` thread and resumes when it completes. Cancelling the calling task
    /// ends the transfer with `TransportError.Kind.cancelled`, usually within a second.
    func send(_ request: ClientRequest) async throws(TransportError) -> ClientResponse {
        let cancellation = CancellationFlag()
        let result = await withTaskCancellationHandler {
            do throws(TransportError) {
                let response = try await BlockingWork.run { () throws(TransportError) -> ClientResponse in
                    try self.send(request, cancellation: cancellation)
                }
                return Result<ClientResponse, TransportError>.success(response)
            } catch {
                return .failure(error)
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }
}
