using System.Text.Json.Serialization;

namespace Warden.Server.Audit.Reports;

/// <summary>Source-generated JSON for the audit's report document (no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true)]
[JsonSerializable(typeof(AuditJsonDocument))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
