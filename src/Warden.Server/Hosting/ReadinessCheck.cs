namespace Warden.Server.Hosting;

/// <summary>One check of <see cref="Readiness"/>: its name, whether it passed, and why not (no sensitive data).</summary>
internal sealed record ReadinessCheck(string Name, bool Ok, string? Problem);
