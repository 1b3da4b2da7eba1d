namespace Warden.Server.Hosting;

/// <summary>One check of <see cref="Readiness"/>: its name, whether it passed, and why not (no sensitive data).</summary>
/// <param name="Name">The check's name in the JSON body.</param>
/// <param name="Ok">Whether it passed.</param>
/// <param name="Problem">Why not, or what is reduced; never a name, address or credential.</param>
/// <param name="Degraded">Passed, but in a reduced mode the operator should know of (<see cref="Problem"/> says which).</param>
internal sealed record ReadinessCheck(string Name, bool Ok, string? Problem, bool Degraded = false);
