/// One file of `Migrations/`, compiled into the binary by the EmbedMigrations build plugin.
struct EmbeddedMigration: Sendable {
    /// File name without `.sql`, e.g. `0001_initial`. Migrations apply in the order of their names.
    let name: String
    let sql: String
}
