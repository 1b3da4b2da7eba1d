using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Server.Simulator;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;
using Xunit.Abstractions;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// An acknowledged answer is never lost from the books: the real <c>warden serve</c> process under mixed load (the four
/// client protocols, streamed and complete, a metered and an unmetered key, pass-through and translated) is killed with
/// SIGKILL at a random moment, three rounds in a row, and started again on the same data folder each time. Every answer
/// a client read to its end (a complete answer's body, a stream's final event) must then have its usage record and its
/// stored receipt, the very receipt the client holds.
/// </summary>
public sealed class DurabilityCrashTests(ITestOutputHelper testOutput)
{
    private const int Rounds = 3;
    private const int Workers = 64;

    /// <summary>What one kind of request is: which protocol, model, mode and key.</summary>
    private enum Protocol
    {
        Chat,
        Anthropic,
        Responses,
        GeminiSse,
        GeminiArray,
    }

    [Fact]
    public async Task KillNineUnderMixedLoad_ThreeRounds_EveryAnswerReadToItsEndHasItsRecordAndReceipt()
    {
        using var folder = new TempDirectory();
        var log = new ServerOutput();
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        var servers = new List<Process>();
        try
        {
            await RunAsync(Path.Combine(folder.Path, "data"), new Uri(simulator.BaseUrl, "/"), log, servers);
        }
        finally
        {
            // A failed round leaves its restarted server running: stop it (only the processes this test started).
            foreach (var process in servers)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                process.Dispose();
            }

            await log.DrainAsync();
            testOutput.WriteLine(log.Text);
        }
    }

    private static async Task RunAsync(string data, Uri simulatorUrl, ServerOutput log, List<Process> servers)
    {
        var keys = await PrepareAsync(data, simulatorUrl);
        var kinds = Kinds(keys);
        var server = await ServeAsync(data, log, "round 1", servers);
        // The kill comes after a seeded-random number of answers; where that falls among requests in flight is up to timing.
        var random = new Random(18);
        for (int round = 1; round <= Rounds; round++)
        {
            var acknowledged = await LoadThenKillAsync(server, kinds, random, log, round);

            // The same data folder, started again: it must open (its transparency log matches its last checkpoint).
            server = await ServeAsync(data, log, round < Rounds ? $"round {round + 1}" : "after the last round", servers);
            var missing = Missing(data, acknowledged);
            log.Add("test", $"round {round}: {acknowledged.Count} answers read to their end, {missing.Count} without their record or receipt");
            Assert.True(missing.Count == 0, $"round {round}: {missing.Count} of {acknowledged.Count} answers read to their end were lost:\n"
                + string.Join('\n', missing.Take(20)));

            // The receipt endpoint (what a client asks) answers with the receipt the client holds, for a sample.
            await CheckEndpointAsync(server.Url, acknowledged.Values.Where(a => a.Receipt is not null).Take(12));
        }

        Assert.Equal(0, await WardenProcess.StopAsync(server.Process));
    }

    /// <summary>
    /// One round: concurrent clients until a random number of answers were read to their end, then SIGKILL with
    /// requests in flight. Returns the answers read to their end, by request id.
    /// </summary>
    private static async Task<ConcurrentDictionary<string, Answer>> LoadThenKillAsync(
        (Process Process, Uri Url) server, IReadOnlyList<Kind> kinds, Random random, ServerOutput log, int round)
    {
        var acknowledged = new ConcurrentDictionary<string, Answer>(StringComparer.Ordinal);
        int target = random.Next(60, 180);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int killing = 0;
        using var stop = new CancellationTokenSource();
        using var handler = WardenProcess.HandlerRefusingConnectionsAfter(() => Volatile.Read(ref killing) != 0);
#pragma warning disable RS0030 // the test is a plain client: it must see raw headers and stream lines
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = server.Url };
#pragma warning restore RS0030
        void Ended(Kind kind, Answer answer)
        {
            // Called when the client read the end of an answer, and again with the receipt if one follows it.
            acknowledged[answer.Id] = answer;
            if (acknowledged.Count >= target && kind.Stream && kind.Metered && answer.Receipt is null && Interlocked.Exchange(ref killing, 1) == 0)
            {
                // The kill comes the moment a client has read the final event of a metered stream, with the other
                // requests in flight: the tightest window there is around an answer whose end was just read.
                server.Process.Kill();
                reached.TrySetResult();
            }
        }

        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            // Requests in flight at the kill run on; none starts after it. Bounded in count as well as by the kill.
            for (int i = worker; i < 20_000 && !stop.IsCancellationRequested && Volatile.Read(ref killing) == 0; i += Workers)
            {
                var kind = kinds[i % kinds.Count];
                try
                {
                    await SendAsync(http, kind, answer => Ended(kind, answer), stop.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    // The server was killed under this request (after its end, if Ended was called for it).
                }
            }
        })).ToList();

        // Bounded: a server that stops answering fails the test instead of hanging it.
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await server.Process.WaitForExitAsync();
        log.Add("test", $"round {round}: SIGKILL after {acknowledged.Count} answers (target {target})");
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        return acknowledged;
    }

    /// <summary>
    /// Sends one request and reads its answer, calling <paramref name="ended"/> when the client has read it to its end: a
    /// complete 200 answer's whole body (with its receipt header), or a stream's final event; then, for a stream whose
    /// receipt comment follows, once more with the receipt.
    /// </summary>
    private static async Task SendAsync(HttpClient http, Kind kind, Action<Answer> ended, CancellationToken cancellationToken)
    {
        using var request = kind.Build();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return;
        }

        string id = Assert.Single(response.Headers.GetValues("x-request-id"));
        if (!kind.Stream)
        {
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            ended(new Answer(id, kind.Name, kind.Key, response.Headers.TryGetValues("Warden-Receipt", out var values) ? values.Single() : null));
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);
        bool atEnd = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!atEnd && kind.IsFinal(line))
            {
                atEnd = true;
                ended(new Answer(id, kind.Name, kind.Key, null));
            }
            else if (atEnd && line.StartsWith(": warden-receipt ", StringComparison.Ordinal))
            {
                ended(new Answer(id, kind.Name, kind.Key, line[": warden-receipt ".Length..]));
            }
        }
    }

    /// <summary>The acknowledged answers with no usage record, no stored receipt, or a stored receipt other than the client's.</summary>
    private static List<string> Missing(string data, IReadOnlyDictionary<string, Answer> acknowledged)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, Warden.Server.Hosting.DataFolder.DatabaseFileName)};Pooling=False;Mode=ReadOnly");
        connection.Open();
        var records = new HashSet<string>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id FROM usage_records";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                records.Add(reader.GetString(0));
            }
        }

        var receipts = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT request_id, jws FROM receipts";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                receipts[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var missing = new List<string>();
        foreach (var answer in acknowledged.Values)
        {
            bool hasRecord = records.Contains(answer.Id);
            bool hasReceipt = receipts.TryGetValue(answer.Id, out string? stored);
            if (!hasRecord || !hasReceipt || (answer.Receipt is not null && !string.Equals(stored, answer.Receipt, StringComparison.Ordinal)))
            {
                missing.Add($"- {answer.Id} ({answer.Kind}): record {(hasRecord ? "present" : "MISSING")}, receipt "
                    + (!hasReceipt ? "MISSING" : answer.Receipt is null || stored == answer.Receipt ? "present" : "DIFFERENT"));
            }
        }

        return missing;
    }

    private static async Task CheckEndpointAsync(Uri url, IEnumerable<Answer> answers)
    {
#pragma warning disable RS0030 // the test is a plain client
        using var http = new HttpClient { BaseAddress = url };
#pragma warning restore RS0030
        foreach (var answer in answers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + answer.Id);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", answer.Key);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(answer.Receipt!, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A data folder with a metered key (tenant with credit, every model priced) and an unmetered one, and three channels
    /// to the test's simulator in three protocols: Chat (sim-small), Anthropic (sim-large) and Gemini (sim-reasoner).
    /// The folder is marked initialised so no demo keys or demo channel are made.
    /// </summary>
    private static async Task<(string Metered, string Free)> PrepareAsync(string data, Uri simulatorUrl)
    {
        var (exit, output) = await CliTests.RunAsync("keys", "create", "--name", "metered", "--data", data);
        Assert.Equal(0, exit);
        string metered = WardenProcess.Line(output, "Key: ");
        string meteredId = WardenProcess.Line(output, "Key id: ");
        (exit, output) = await CliTests.RunAsync("keys", "create", "--name", "free", "--data", data);
        Assert.Equal(0, exit);
        string free = WardenProcess.Line(output, "Key: ");
        Assert.Equal(0, (await CliTests.RunAsync("tenants", "add", "--name", "acme", "--currency", "USD", "--data", data)).Exit);
        Assert.Equal(0, (await CliTests.RunAsync("tenants", "assign", "--key", meteredId, "--tenant", "acme", "--data", data)).Exit);
        foreach (string model in SimulatorModels.Names)
        {
            Assert.Equal(0, (await CliTests.RunAsync("prices", "set", "--model", model, "--currency", "USD", "--input", "3", "--output", "15", "--data", data)).Exit);
        }

        Assert.Equal(0, (await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "100000", "--data", data)).Exit);
        foreach (var (name, provider, path, model) in new[]
        {
            ("chat", "simulator", "v1/", SimulatorModels.Small),
            ("anthropic", "simulator-anthropic", "v1/", SimulatorModels.Large),
            ("gemini", "simulator-gemini", "v1beta/", SimulatorModels.Reasoner),
        })
        {
            (exit, output) = await CliTests.RunAsync("channels", "add", "--name", name, "--provider", provider, "--base-url", new Uri(simulatorUrl, path).ToString(),
                "--models", model, "--allow-private-network", "--data", data);
            Assert.True(exit == 0, output);
        }

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, Warden.Server.Hosting.DataFolder.DatabaseFileName)};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO meta (key, value) VALUES ('initialised_at', '2026-12-07T00:00:00.000Z')";
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        return (metered, free);
    }

    /// <summary>
    /// Every kind of request, each with both keys: the four protocols, complete and streamed, pass-through (same dialect as
    /// the channel) and translated, Gemini's stream both as SSE and as a JSON array.
    /// </summary>
    private static List<Kind> Kinds((string Metered, string Free) keys)
    {
        var kinds = new List<Kind>();
        foreach (string key in (string[])[keys.Metered, keys.Free])
        {
            string who = key == keys.Metered ? "metered" : "free";
            foreach (bool stream in (bool[])[false, true])
            {
                kinds.Add(new Kind(Protocol.Chat, SimulatorModels.Small, stream, key, who));
                kinds.Add(new Kind(Protocol.Chat, SimulatorModels.Large, stream, key, who));
                kinds.Add(new Kind(Protocol.Anthropic, SimulatorModels.Large, stream, key, who));
                kinds.Add(new Kind(Protocol.Anthropic, SimulatorModels.Small, stream, key, who));
                kinds.Add(new Kind(Protocol.Responses, SimulatorModels.Small, stream, key, who));
                kinds.Add(new Kind(Protocol.GeminiSse, SimulatorModels.Reasoner, stream, key, who));
                kinds.Add(new Kind(Protocol.GeminiSse, SimulatorModels.Small, stream, key, who));
            }

            kinds.Add(new Kind(Protocol.GeminiArray, SimulatorModels.Reasoner, true, key, who));
            kinds.Add(new Kind(Protocol.GeminiArray, SimulatorModels.Large, true, key, who));
        }

        return kinds;
    }

    private static async Task<(Process Process, Uri Url)> ServeAsync(string dataDirectory, ServerOutput log, string name, List<Process> servers)
    {
        var server = await WardenProcess.ServeAsync(dataDirectory, log, name, "--no-simulator");
        servers.Add(server.Process);
        return server;
    }

    /// <summary>An answer the client read to its end, and the receipt it holds for it (none for Gemini streams).</summary>
    private sealed record Answer(string Id, string Kind, string Key, string? Receipt);

    private sealed record Kind(Protocol Protocol, string Model, bool Stream, string Key, string Who)
    {
        public bool Metered => Who == "metered";

        public string Name => $"{Protocol} {Model} {(Stream ? "stream" : "complete")} {Who}";

        public HttpRequestMessage Build()
        {
            const string Prompt = "Say hello to the durability test.";
            string stream = Stream ? "true" : "false";
            HttpRequestMessage request = Protocol switch
            {
                Protocol.Chat => Post("v1/chat/completions",
                    $"{{\"model\":\"{Model}\",\"max_tokens\":32,\"stream\":{stream},\"messages\":[{{\"role\":\"user\",\"content\":\"{Prompt}\"}}]}}"),
                Protocol.Anthropic => Post("v1/messages",
                    $"{{\"model\":\"{Model}\",\"max_tokens\":32,\"stream\":{stream},\"messages\":[{{\"role\":\"user\",\"content\":\"{Prompt}\"}}]}}"),
                Protocol.Responses => Post("v1/responses",
                    $"{{\"model\":\"{Model}\",\"max_output_tokens\":32,\"stream\":{stream},\"input\":\"{Prompt}\"}}"),
                _ => Post(
                    $"v1beta/models/{Model}:" + (!Stream ? "generateContent" : Protocol == Protocol.GeminiSse ? "streamGenerateContent?alt=sse" : "streamGenerateContent"),
                    $"{{\"contents\":[{{\"role\":\"user\",\"parts\":[{{\"text\":\"{Prompt}\"}}]}}],\"generationConfig\":{{\"maxOutputTokens\":32}}}}"),
            };
            switch (Protocol)
            {
                case Protocol.Anthropic:
                    request.Headers.Add("x-api-key", Key);
                    request.Headers.Add("anthropic-version", "2023-06-01");
                    break;
                case Protocol.GeminiSse or Protocol.GeminiArray:
                    request.Headers.Add("x-goog-api-key", Key);
                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
                    break;
            }

            return request;
        }

        /// <summary>Whether <paramref name="line"/> is (part of) the stream's final event: after it, the answer is complete.</summary>
        public bool IsFinal(string line) => Protocol switch
        {
            Protocol.Chat => line == "data: [DONE]",
            Protocol.Anthropic => line == "event: message_stop",
            Protocol.Responses => line == "event: response.completed",
            _ => line.Contains("\"finishReason\"", StringComparison.Ordinal),
        };

        private static HttpRequestMessage Post(string path, string body) =>
            new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
