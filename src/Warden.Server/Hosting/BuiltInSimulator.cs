namespace Warden.Server.Hosting;

/// <summary>
/// This server process's own in-process simulator, where it routes the Warden-managed demo channel; null when it runs
/// none (<c>--no-simulator</c>), and the demo models are then not served by this process.
/// </summary>
/// <remarks>
/// Kept in memory, never written to the channel's row: several servers may run on one data folder, each with its own
/// simulator on its own port, and a URL stored by one would send another's demo requests to a simulator that stops
/// with its server (issue 18).
/// </remarks>
internal sealed record BuiltInSimulator(Uri? BaseUrl);
