using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Server.Hosting;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// An answer's usage record and receipt are committed before the client can read the end of that answer, and when that
/// commit fails the end is withheld: a complete answer becomes a 503 in the client's protocol, a stream ends with an
/// error event instead of its final event, and no receipt is sent or stored. (The crash itself: DurabilityCrashTests.)
/// </summary>
public sealed class DurableRecordTests
{
    public static TheoryData<string> Calls => ["chat", "chat-stream", "anthropic-stream", "gemini-sse"];

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task AnswerReadToItsEnd_ItsRecordAndReceiptAreAlreadyStored(string call)
    {
        await using var server = await WardenTestServer.StartAsync();
        using var response = await server.Http.SendAsync(Build(call, server.DemoKey));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        string id = Assert.Single(response.Headers.GetValues("x-request-id"));

        // Read straight from the file, with no flush of the usage writer: the end came only after the commit.
        var (status, outcome, stored) = Stored(server.DataDirectory, id);
        Assert.Equal(200, status);
        Assert.Equal("completed", outcome);
        Assert.NotNull(stored);
        string? sent = response.Headers.TryGetValues("Warden-Receipt", out var header) ? header.Single()
            : body.Split('\n').SingleOrDefault(l => l.StartsWith(": warden-receipt ", StringComparison.Ordinal))?[": warden-receipt ".Length..];
        if (call != "gemini-sse")
        {
            Assert.Equal(sent, stored);
        }
    }

    [Fact]
    public async Task RecordCannotBeCommitted_AnswersEndIsWithheldAndNoReceiptIsIssued()
    {
        await using var server = await WardenTestServer.StartAsync();
        Execute(server.DataDirectory, "CREATE TRIGGER refuse_usage BEFORE INSERT ON usage_records BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;");

        // A complete answer: withheld, a 503 in the client's protocol with Retry-After, no receipt header.
        using var complete = await server.Http.SendAsync(Build("chat", server.DemoKey));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, complete.StatusCode);
        Assert.True(complete.Headers.RetryAfter is not null);
        Assert.False(complete.Headers.Contains("Warden-Receipt"));
        var error = await Requests.ErrorAsync(complete);
        Assert.Equal("record_unavailable", error.GetProperty("code").GetString());
        string completeId = Assert.Single(complete.Headers.GetValues("x-request-id"));

        // A stream (its status went out with the first event): it ends with an error event instead of [DONE], no receipt comment.
        using var stream = await server.Http.SendAsync(Build("chat-stream", server.DemoKey));
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        string events = await stream.Content.ReadAsStringAsync();
        Assert.Contains("record_unavailable", events, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", events, StringComparison.Ordinal);
        Assert.DoesNotContain("warden-receipt", events, StringComparison.Ordinal);
        string streamId = Assert.Single(stream.Headers.GetValues("x-request-id"));

        // Once the database takes writes again, both requests are on the books as withheld, with no receipt.
        Execute(server.DataDirectory, "DROP TRIGGER refuse_usage;");
        foreach (string id in (string[])[completeId, streamId])
        {
            var row = await server.UsageForAsync(id);
            Assert.Equal("record_failed", row.Outcome);
            Assert.Equal(503, row.Status);
            Assert.Null(Stored(server.DataDirectory, id).Receipt);
        }

        // And the next answer goes out as usual.
        using var after = await server.Http.SendAsync(Build("chat-stream", server.DemoKey));
        Assert.Contains("[DONE]", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage Build(string call, string key)
    {
        const string Prompt = "Say hello to the durable record test.";
        HttpRequestMessage request;
        switch (call)
        {
            case "anthropic-stream":
                request = Post("v1/messages", $"{{\"model\":\"sim-small\",\"max_tokens\":32,\"stream\":true,\"messages\":[{{\"role\":\"user\",\"content\":\"{Prompt}\"}}]}}");
                request.Headers.Add("x-api-key", key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                return request;
            case "gemini-sse":
                request = Post("v1beta/models/sim-small:streamGenerateContent?alt=sse", $"{{\"contents\":[{{\"role\":\"user\",\"parts\":[{{\"text\":\"{Prompt}\"}}]}}]}}");
                request.Headers.Add("x-goog-api-key", key);
                return request;
            default:
                return Requests.Chat(key, Requests.Body("sim-small", Prompt, stream: call == "chat-stream"));
        }
    }

    private static HttpRequestMessage Post(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static (int? Status, string? Outcome, string? Receipt) Stored(string data, string id)
    {
        using var connection = Open(data);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT u.status, u.outcome, r.jws FROM usage_records u LEFT JOIN receipts r ON r.request_id = u.id WHERE u.id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : (null, null, null);
    }

    private static void Execute(string data, string sql)
    {
        using var connection = Open(data);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string data)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(data, DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        return connection;
    }
}
