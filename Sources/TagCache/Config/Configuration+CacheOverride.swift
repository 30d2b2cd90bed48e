extension Configuration {
    /// Keys of a `registries` entry that override the `cache` windows for that registry.
    static let cacheOverrideKeys = ["ttl", "stale_while_revalidate", "stale_if_error"]

    /// Splits a `registries` entry into its cache overrides, nil when it sets none, and the remaining keys, which
    /// configure how the registry is reached.
    static func splitCacheOverride(
        _ value: Any, reader: JSONObjectReader
    ) throws(ConfigurationError) -> (CachePolicyOverride?, [String: Any]) {
        var object = try reader.object(value)
        var override = CachePolicyOverride()
        override.ttl = try reader.duration(object, "ttl")
        override.staleWhileRevalidate = try reader.duration(object, "stale_while_revalidate")
        override.staleIfError = try reader.duration(object, "stale_if_error")
        for key in cacheOverrideKeys {
            object[key] = nil
        }
        return (override == CachePolicyOverride() ? nil : override, object)
    }
}
