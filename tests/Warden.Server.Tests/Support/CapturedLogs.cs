using System.Collections.Concurrent;

namespace Warden.Server.Tests.Support;

/// <summary>A logger provider that keeps every formatted message (and exception) in memory, at every level.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _timed = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Every line with the wall-clock instant it was logged (for comparing with the simulator's own records).</summary>
    public IReadOnlyCollection<(DateTimeOffset At, string Line)> Timed => _timed;

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines, _timed);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<(DateTimeOffset At, string Line)> timed) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var at = TimeProvider.System.GetUtcNow();
            string line = $"{logLevel} {category} [{eventId.Id}] {formatter(state, exception)} {exception}";
            lines.Enqueue(line);
            timed.Enqueue((at, line));
        }
    }
}
