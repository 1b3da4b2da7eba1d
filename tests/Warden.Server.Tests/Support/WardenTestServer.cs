using System.ClientModel;
using Microsoft.Data.Sqlite;
using OpenAI;
using OpenAI.Chat;
using Warden.Server.Hosting;
using Warden.Server.Routing;
using Warden.Server.Usage;

namespace Warden.Server.Tests.Support;

/// <summary>
/// A real Warden: Kestrel on 127.0.0.1 with an ephemeral port, a real SQLite file in a temp folder, the
/// in-process simulator as upstream, and every log line captured at Trace level.
/// </summary>
internal sealed class WardenTestServer : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDirectory;
    private bool _disposed;

    private WardenTestServer(WardenApp app, CapturedLogs logs, TempDirectory? ownedDirectory, string dataDirectory)
    {
        App = app;
        Logs = logs;
        _ownedDirectory = ownedDirectory;
        DataDirectory = dataDirectory;
#pragma warning disable RS0030 // Tests are clients, not Warden: a plain HttpClient is what a user would use.
        Http = new HttpClient { BaseAddress = app.Url };
#pragma warning restore RS0030
    }

    public WardenApp App { get; }

    public CapturedLogs Logs { get; }

    public string DataDirectory { get; }

    public HttpClient Http { get; }

    public Uri Url => App.Url;

    public string AdminKey => App.FirstRun!.AdminKey;

    public string DemoKey => App.FirstRun!.DemoKey;

    public static async Task<WardenTestServer> StartAsync(Func<WardenOptions, WardenOptions>? configure = null, string? dataDirectory = null)
    {
        var owned = dataDirectory is null ? new TempDirectory() : null;
        string directory = dataDirectory ?? owned!.Path;
        var logs = new CapturedLogs();
        var options = new WardenOptions
        {
            DataDirectory = directory,
            Port = 0,
            ConsoleLogging = false,
            LogLevel = LogLevel.Trace,
            ConfigureLogging = logging =>
            {
                logging.AddProvider(logs);
                // Provider-specific rules win over the category rules Warden sets: this provider sees everything.
                logging.AddFilter<CapturedLogs>(null, LogLevel.Trace);
            },
        };
        options = configure?.Invoke(options) ?? options;
        var app = await WardenApp.StartAsync(options, CancellationToken.None);
        return new WardenTestServer(app, logs, owned, directory);
    }

    public ChatClient Chat(string model, string? key = null) =>
        new(model, new ApiKeyCredential(key ?? DemoKey), new OpenAIClientOptions { Endpoint = new Uri(Url, "v1") });

    /// <summary>Adds a channel through the same registrar the CLI and admin API use, and reloads the routing table.</summary>
    public Channel AddChannel(string name, Uri baseUrl, string? credential, params string[] models) =>
        AddChannel("simulator", name, baseUrl, credential, 0, models);

    /// <summary>Adds a channel of the given provider profile (e.g. "simulator-anthropic") and reloads the routing table.</summary>
    public Channel AddChannel(string provider, string name, Uri baseUrl, string? credential, int priority, params string[] models)
    {
        var result = App.Data.ChannelRegistrar.Add(new ChannelSpec(name, provider, baseUrl.ToString(), models, priority, credential, AllowPrivateNetwork: true));
        Assert.Null(result.Problem);
        Reload();
        return result.Channel!;
    }

    public void Reload() => App.Services.GetRequiredService<ConfigReloader>().Reload();

    public Task FlushUsageAsync() => App.Services.GetRequiredService<UsageWriter>().FlushAsync();

    public async Task<List<UsageRow>> FlushUsageAndReadAsync()
    {
        await FlushUsageAsync();
        return ReadUsage(DataDirectory);
    }

    /// <summary>
    /// The usage record of one request. The record is enqueued when the request's handler ends, which can be just after
    /// the client has read the whole response, so this waits (bounded) for it to be enqueued before flushing.
    /// </summary>
    public async Task<UsageRow> UsageForAsync(string requestId)
    {
        for (int i = 0; i < 100; i++)
        {
            await FlushUsageAsync();
            if (ReadUsage(DataDirectory).SingleOrDefault(r => r.Id == requestId) is { } row)
            {
                return row;
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException($"Request {requestId} has no usage record.");
    }

    public static List<UsageRow> ReadUsage(string dataDirectory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, key_id, requested_model, served_model, channel_id, status, outcome, streamed,
                   input_tokens, output_tokens, cached_tokens, reasoning_tokens, usage_source, ttfb_ms, upstream_request_id
            FROM usage_records ORDER BY id
            """;
        using var reader = command.ExecuteReader();
        var rows = new List<UsageRow>();
        while (reader.Read())
        {
            rows.Add(new UsageRow(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetInt32(5), reader.GetString(6), reader.GetInt32(7) != 0,
                reader.IsDBNull(8) ? null : reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetInt64(9),
                reader.IsDBNull(10) ? null : reader.GetInt64(10), reader.IsDBNull(11) ? null : reader.GetInt64(11),
                reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetDouble(13), reader.IsDBNull(14) ? null : reader.GetString(14)));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Http.Dispose();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _ownedDirectory?.Dispose();
    }
}

internal sealed record UsageRow(
    string Id,
    string? KeyId,
    string? RequestedModel,
    string? ServedModel,
    string? ChannelId,
    int Status,
    string Outcome,
    bool Streamed,
    long? InputTokens,
    long? OutputTokens,
    long? CachedTokens,
    long? ReasoningTokens,
    string UsageSource,
    double? TimeToFirstByteMs,
    string? UpstreamRequestId);
