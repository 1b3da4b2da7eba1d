using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Security;

/// <summary>
/// Zero content retention: a unique canary sent in prompts (and the answers that come back) must appear nowhere
/// in the data folder (database, WAL, key file) nor in any log line, even with every log category at Trace.
/// </summary>
public sealed class ContentRetentionTests
{
    [Fact]
    public async Task Canary_InPromptsAndAnswers_IsNeverStoredOrLogged()
    {
        string canary = "CANARY-" + Guid.NewGuid().ToString("N");
        using var folder = new TempDirectory();
        var answers = new List<string>();
        string demoKey;
        string logs;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            demoKey = server.DemoKey;
            var client = server.Chat("sim-small");
            var prompt = new UserChatMessage($"Please remember {canary} and answer.");
            answers.Add((await client.CompleteChatAsync([new SystemChatMessage($"system says {canary}"), prompt])).Value.Content[0].Text);

            var streamed = new StringBuilder();
            await foreach (var update in client.CompleteChatStreamingAsync([prompt]))
            {
                foreach (var part in update.ContentUpdate)
                {
                    streamed.Append(part.Text);
                }
            }

            answers.Add(streamed.ToString());

            // The canary in a tool call's arguments and in failing requests too.
            var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("lookup", "Looks up", BinaryData.FromString("""{"type":"object","properties":{"q":{"type":"string"}}}""")) } };
            await client.CompleteChatAsync([new UserChatMessage($"use lookup for {canary}")], options);
            using (var broken = await server.Http.SendAsync(Requests.Chat(server.DemoKey, "{\"model\":\"sim-small\",\"messages\":[{\"content\":\"" + canary + "\"")))
            {
                Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
            }

            using (var unknown = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("no-such-model", canary))))
            {
                Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            }

            await server.FlushUsageAsync();
            Assert.True(WardenTestServer.ReadUsage(folder.Path).Count >= 5, "the requests were metered");
            logs = server.Logs.All;
        }

        Assert.All(answers, a => Assert.True(a.Length > 20, "answers came back"));
        string[] secrets = [canary, .. answers, demoKey];
        foreach (string file in Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories))
        {
            byte[] bytes = await File.ReadAllBytesAsync(file);
            foreach (string secret in secrets)
            {
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secret)), $"{Path.GetFileName(file)} contains retained content or a key");
                Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(secret)), $"{Path.GetFileName(file)} contains retained content (UTF-16)");
            }
        }

        Assert.NotEmpty(logs);
        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Canary_ThroughEveryProtocolAndTranslation_IsNeverStoredOrLogged()
    {
        string canary = "CANARY-" + Guid.NewGuid().ToString("N");
        using var folder = new TempDirectory();
        var answers = new List<string>();
        string demoKey;
        string logs;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            demoKey = server.DemoKey;
            foreach (var driver in new[] { Conformance.ClientDriver.Anthropic, Conformance.ClientDriver.Responses, Conformance.ClientDriver.Gemini })
            {
                foreach (bool stream in new[] { false, true })
                {
                    // The demo channel speaks Chat Completions, so each of these is translated both ways.
                    var conversation = new Conformance.Conversation { WithTools = true, Reasoning = true };
                    driver.AddUser(conversation, $"Think about {canary}, then use get_weather for {canary}.");
                    using var request = driver.BuildRequest(server.Url, demoKey, "sim-reasoner", conversation, stream);

                    using var response = await server.Http.SendAsync(request);
                    string body = await response.Content.ReadAsStringAsync();
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    var answer = stream ? driver.ParseStream(body) : driver.ParseJson(System.Text.Json.Nodes.JsonNode.Parse(body)!);
                    Assert.Single(answer.ToolCalls);
                    answers.Add(answer.ReasoningText);
                }
            }

            await server.FlushUsageAsync();
            logs = server.Logs.All;
        }

        Assert.All(answers, a => Assert.True(a.Length > 20, "reasoning came back"));
        string[] secrets = [canary, .. answers, demoKey];
        foreach (string file in Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories))
        {
            byte[] bytes = await File.ReadAllBytesAsync(file);
            foreach (string secret in secrets)
            {
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secret)), $"{Path.GetFileName(file)} contains retained content or a key");
            }
        }

        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Gemini clients may put the key in the query string (<c>?key=</c>). ASP.NET Core's own request logs carry the
    /// whole URL, so Warden pins those categories at Warning whatever its log level; with Warden's rules (and its own
    /// categories at Trace) the key must appear in no log line.
    /// </summary>
    [Fact]
    public async Task GeminiKeyInTheQuery_NeverReachesALog_UnderWardensLoggingRules()
    {
        var captured = new CapturedLogs();
        string key;
        await using (var server = await WardenTestServer.StartAsync(o => o with { LogLevel = LogLevel.Trace, ConfigureLogging = logging => logging.AddProvider(captured) }))
        {
            key = server.DemoKey;

            // A channel to a port nobody listens on: its failure is logged, so the log is not empty.
            var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            server.AddChannel("refused", new Uri($"http://127.0.0.1:{port}/v1/"), null, "nobody-home");

            var conversation = new Conformance.Conversation();
            Conformance.ClientDriver.Gemini.AddUser(conversation, "hello");
            foreach (string model in new[] { "sim-small", "nobody-home", "no-such-model" })
            {
                using var request = Conformance.ClientDriver.Gemini.BuildRequest(server.Url, key, model, conversation, stream: true);
                request.Headers.Remove("x-goog-api-key");
                request.RequestUri = new Uri(request.RequestUri + "&key=" + Uri.EscapeDataString(key));
                using var response = await server.Http.SendAsync(request);
                Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }

        Assert.NotEmpty(captured.All);
        Assert.DoesNotContain(key, captured.All, StringComparison.Ordinal);
        Assert.DoesNotContain("key=", captured.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataFolder_HasTheFilesTheCanaryTestSearches()
    {
        // Guards the test above: if the database moved elsewhere, searching the folder would prove nothing.
        using var folder = new TempDirectory();
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            using var response = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("sim-small", "hi")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await server.FlushUsageAsync();
        }

        Assert.True(File.Exists(Path.Combine(folder.Path, "warden.db")));
        Assert.True(File.Exists(Path.Combine(folder.Path, "master.key")));
        Assert.Single(WardenTestServer.ReadUsage(folder.Path));
        JsonDocument.Parse("{}");
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
