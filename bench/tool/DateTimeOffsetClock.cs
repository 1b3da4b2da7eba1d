namespace Warden.Bench;

/// <summary>Wall-clock deadlines for the tool, read through the TimeProvider as the project's rules ask.</summary>
internal static class DateTimeOffsetClock
{
    public static DateTimeOffset Now() => TimeProvider.System.GetUtcNow();
}
