using System.Text.Json.Serialization;

namespace Warden.Server.Storage;

/// <summary>Source-generated JSON for the few JSON columns (model lists).</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
