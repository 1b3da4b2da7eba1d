namespace Warden.Server.Tests.Storage;

/// <summary>The store conformance suite on the default backend, the SQLite file in the data folder.</summary>
public sealed class SqliteStoreTests : StoreConformanceTests
{
    private protected override string? Postgres => null;
}
