namespace Warden.Server.Audit;

/// <summary>The check names accepted by <c>--checks</c>, in the order they run and are reported.</summary>
internal static class AuditCheckIds
{
    public const string Substitution = "substitution";
    public const string Usage = "usage";
    public const string Context = "context";
    public const string Output = "output";
    public const string Replay = "replay";
    public const string Tools = "tools";
    public const string Receipts = "receipts";

    public static IReadOnlyList<string> All { get; } = [Substitution, Usage, Context, Output, Replay, Tools, Receipts];
}
