namespace Warden.Server.Audit.Reports;

/// <summary>
/// The JSON document of an audit run (<c>warden audit --json FILE</c>), as docs/audit.md describes it. Field names are
/// snake_case; a field's meaning never changes within a <see cref="SchemaVersion"/>, new fields may be added. Numbers
/// that are not finite are written as null. It holds no key and no prompt: URLs lose their user info and query.
/// </summary>
internal sealed record AuditJsonDocument
{
    /// <summary>The version of this document's layout; bumped when a field changes meaning or goes away.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public string Tool { get; init; } = "warden audit";

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>0: nothing found at the chosen significance; 1: a check failed.</summary>
    public required int ExitCode { get; init; }

    public required AuditJsonEndpoint Target { get; init; }

    public AuditJsonEndpoint? Reference { get; init; }

    public required AuditJsonSettings Settings { get; init; }

    public required IReadOnlyList<AuditJsonCheck> Checks { get; init; }
}

/// <summary>An audited endpoint: its base URL (without user info or query), model and protocol.</summary>
internal sealed record AuditJsonEndpoint(string Url, string Model, string? Protocol);

internal sealed record AuditJsonSettings(double Alpha, int MaxRequests, int Seed, IReadOnlyList<string> ExpectUpstreamHosts, long? ContextWindow);

internal sealed record AuditJsonCheck
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    /// <summary>pass, fail, inconclusive or skipped.</summary>
    public required string Verdict { get; init; }

    public required string Summary { get; init; }

    public double? PValue { get; init; }

    public string? EffectName { get; init; }

    public double? Effect { get; init; }

    public double? CiLow { get; init; }

    public double? CiHigh { get; init; }

    public int Requests { get; init; }

    public long Tokens { get; init; }

    public IReadOnlyList<string> Findings { get; init; } = [];

    public IReadOnlyList<AuditJsonChart> Charts { get; init; } = [];
}

internal sealed record AuditJsonChart
{
    public required string Title { get; init; }

    /// <summary>histogram, interval or line.</summary>
    public required string Kind { get; init; }

    public required string XLabel { get; init; }

    public required string YLabel { get; init; }

    public double? ReferenceLine { get; init; }

    public required IReadOnlyList<AuditJsonSeries> Series { get; init; }
}

internal sealed record AuditJsonSeries(string Name, IReadOnlyList<AuditJsonPoint> Points);

internal sealed record AuditJsonPoint(double? X, double? Y, double? Low, double? High, string? Label);
