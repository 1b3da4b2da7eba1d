using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Routing;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Routing;

/// <summary>
/// Issue 4's declarations through a real Warden: aliases, channel policies and key fallback lists are written by the
/// CLI and the admin API, each change is a transparency-log entry naming who made it, and key holders see all of it
/// at <c>/v1/models</c> and <c>/v1/policy</c>. Collisions and chains of names are refused.
/// </summary>
public sealed class AliasesPolicyTests
{
    [Fact]
    public async Task Aliases_CliRoundTrip_IsLogged_ListedWithItsTarget_AndCollisionsAreRefused()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);

        var (exit, output) = await CliTests.RunAsync("aliases", "add", "--name", "fast", "--model", "sim-small", "--provider", "simulator", "--version", "2026-01", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("fast -> sim-small", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("aliases", "list", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("fast", output, StringComparison.Ordinal);
        Assert.Contains("2026-01", output, StringComparison.Ordinal);

        // A served model's name, a second alias of the same name, an alias of an alias, and a chain the other way round.
        (exit, output) = await CliTests.RunAsync("aliases", "add", "--name", "sim-large", "--model", "sim-small", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("must not hide a real model", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("aliases", "add", "--name", "fast", "--model", "sim-large", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("already exists", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("aliases", "add", "--name", "faster", "--model", "fast", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("itself an alias", output, StringComparison.Ordinal);
        // An alias points to a served model (issue 19: one to a model no channel served was accepted).
        (exit, output) = await CliTests.RunAsync("aliases", "add", "--name", "later", "--model", "future-model", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("No channel serves 'future-model'", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("aliases", "add", "--name", "self", "--model", "self", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("itself", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("aliases", "add", "--name", "x", "--model", "sim-small", "--provider", "nobody", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("Unknown provider", output, StringComparison.Ordinal);

        // Nor may a channel later serve a model named like an alias.
        (exit, output) = await CliTests.RunAsync("channels", "add", "--name", "shadow", "--provider", "deepseek", "--models", "deepseek-chat,fast", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("declared alias", output, StringComparison.Ordinal);

        // The running server lists the alias with its target once it reloads; an alias with no served target is not listed.
        server.Reload();
        var data = await ModelsAsync(server, server.DemoKey);
        var alias = Assert.Single(data, m => m.GetProperty("id").GetString() == "fast");
        var target = alias.GetProperty("warden_alias");
        Assert.Equal("sim-small", target.GetProperty("model").GetString());
        Assert.Equal("simulator", target.GetProperty("provider").GetString());
        Assert.Equal("2026-01", target.GetProperty("version").GetString());
        Assert.DoesNotContain(data, m => m.GetProperty("id").GetString() == "later");
        Assert.All(data.Where(m => m.GetProperty("id").GetString()!.StartsWith("sim-", StringComparison.Ordinal)),
            m => Assert.False(m.TryGetProperty("warden_alias", out _), "a plain model carries no alias object"));

        (exit, _) = await CliTests.RunAsync("aliases", "remove", "--name", "fast", "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("aliases", "remove", "--name", "fast", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("No alias", output, StringComparison.Ordinal);
        server.Reload();
        Assert.DoesNotContain(await ModelsAsync(server, server.DemoKey), m => m.GetProperty("id").GetString() == "fast");

        // Every change, and only the changes that happened, is in the log, made by the CLI.
        var entries = ReadConfigEntries(folder.Path);
        Assert.Single(entries, e => Is(e, "alias.add", "fast"));
        Assert.Single(entries, e => Is(e, "alias.remove", "fast") && e.GetProperty("by").GetString() == "cli");
        Assert.DoesNotContain(entries, e => Is(e, "alias.add", "sim-large") || Is(e, "alias.add", "faster") || Is(e, "alias.add", "later"));
    }

    [Fact]
    public async Task Aliases_ThroughTheAdminApi_AreLoggedAsTheAdminKey_AndShownInBothModelLists()
    {
        await using var server = await WardenTestServer.StartAsync();
        string adminId = KeyId(server, server.AdminKey, KeyRole.Admin);

        using (var created = await SendAsync(server, HttpMethod.Post, "admin/aliases", server.AdminKey, """{"name":"thinker","model":"sim-reasoner","version":"v3"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("sim-reasoner", body.GetProperty("model").GetString());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("provider").ValueKind);
        }

        using (var refused = await SendAsync(server, HttpMethod.Post, "admin/aliases", server.AdminKey, """{"name":"sim-small","model":"sim-large"}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("must not hide a real model", (await Requests.ErrorAsync(refused)).GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var ghost = await SendAsync(server, HttpMethod.Post, "admin/aliases", server.AdminKey, """{"name":"ghost","model":"nonexistent"}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, ghost.StatusCode);
            Assert.Contains("No channel serves 'nonexistent'", (await Requests.ErrorAsync(ghost)).GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var asClient = await SendAsync(server, HttpMethod.Post, "admin/aliases", server.DemoKey, """{"name":"y","model":"sim-large"}"""))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, asClient.StatusCode);
        }

        using (var list = await SendAsync(server, HttpMethod.Get, "admin/aliases", server.AdminKey))
        {
            Assert.Contains("\"thinker\"", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var alias = Assert.Single(await ModelsAsync(server, server.DemoKey), m => m.GetProperty("id").GetString() == "thinker");
        Assert.Equal("sim-reasoner", alias.GetProperty("warden_alias").GetProperty("model").GetString());
        Assert.Equal("v3", alias.GetProperty("warden_alias").GetProperty("version").GetString());

        using (var gemini = new HttpRequestMessage(HttpMethod.Get, "v1beta/models"))
        {
            gemini.Headers.Add("x-goog-api-key", server.DemoKey);
            using var response = await server.Http.SendAsync(gemini);
            var models = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("models").EnumerateArray().ToList();
            var listed = Assert.Single(models, m => m.GetProperty("name").GetString() == "models/thinker");
            Assert.Equal("sim-reasoner", listed.GetProperty("warden_alias").GetProperty("model").GetString());
            Assert.False(models.Single(m => m.GetProperty("name").GetString() == "models/sim-small").TryGetProperty("warden_alias", out _));
        }

        // A key limited to other models does not see the alias.
        var limited = server.App.Data.KeyIssuer.Issue("limited", KeyRole.Client, ["sim-small"], null);
        server.Reload();
        var visible = await ModelsAsync(server, limited.Plaintext);
        Assert.Equal(["sim-small"], visible.Select(m => m.GetProperty("id").GetString()));

        using (var removed = await SendAsync(server, HttpMethod.Delete, "admin/aliases/thinker", server.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var again = await SendAsync(server, HttpMethod.Delete, "admin/aliases/thinker", server.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        Assert.DoesNotContain(await ModelsAsync(server, server.DemoKey), m => m.GetProperty("id").GetString() == "thinker");
        var entries = ReadConfigEntries(server.DataDirectory);
        Assert.Single(entries, e => Is(e, "alias.add", "thinker") && e.GetProperty("by").GetString() == "admin:" + adminId);
        Assert.Single(entries, e => Is(e, "alias.remove", "thinker") && e.GetProperty("by").GetString() == "admin:" + adminId);
    }

    [Fact]
    public async Task Policy_SetThroughTheAdminApi_IsListedAtV1Policy_ForEveryKeyPlacement_AndLogged()
    {
        await using var server = await WardenTestServer.StartAsync();
        string adminId = KeyId(server, server.AdminKey, KeyRole.Admin);
        server.AddChannel("second", new Uri("http://127.0.0.1:9/"), null, "sim-large");

        using (var first = await SendAsync(server, HttpMethod.Put, "admin/policies/" + FirstRun.DemoChannelName, server.AdminKey,
            """{"system_prefix":"Answer in English.","max_output_tokens_cap":512,"overrides":{"temperature":0.2,"metadata":{"team":"a"}}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(1, JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt32());
        }

        using (var second = await SendAsync(server, HttpMethod.Put, "admin/policies/" + FirstRun.DemoChannelName, server.AdminKey,
            """{"system_prefix":"Answer in English.","max_output_tokens_cap":256,"overrides":{"temperature":0.2}}"""))
        {
            var body = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(2, body.GetProperty("version").GetInt32());
            Assert.Equal(256, body.GetProperty("max_output_tokens_cap").GetInt64());
            Assert.False(body.GetProperty("overrides").TryGetProperty("metadata", out _), "setting a policy replaces it whole");
        }

        // Refusals: a reserved field, a non-positive cap, an empty policy, an unknown channel, a client key.
        foreach (var (json, expected) in new[]
        {
            ("""{"overrides":{"model":"\"cheap\""}}""", HttpStatusCode.BadRequest),
            ("""{"overrides":{"stream":false}}""", HttpStatusCode.BadRequest),
            ("""{"max_output_tokens_cap":0}""", HttpStatusCode.BadRequest),
            ("""{}""", HttpStatusCode.BadRequest),
        })
        {
            using var refused = await SendAsync(server, HttpMethod.Put, "admin/policies/" + FirstRun.DemoChannelName, server.AdminKey, json);
            Assert.Equal(expected, refused.StatusCode);
        }

        using (var unknown = await SendAsync(server, HttpMethod.Put, "admin/policies/nope", server.AdminKey, """{"max_output_tokens_cap":5}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // The key holder sees the policy, whichever protocol's header carries the key.
        foreach (var place in new Action<HttpRequestMessage>[]
        {
            r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey),
            r => r.Headers.Add("x-api-key", server.DemoKey),
            r => r.Headers.Add("x-goog-api-key", server.DemoKey),
        })
        {
            var policy = await PolicyAsync(server, place);
            var demo = Assert.Single(policy.GetProperty("channels").EnumerateArray(), c => c.GetProperty("name").GetString() == FirstRun.DemoChannelName);
            Assert.Equal("simulator", demo.GetProperty("provider").GetString());
            Assert.Equal("local", demo.GetProperty("jurisdiction").GetString());
            Assert.Contains("sim-small", demo.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
            var declared = demo.GetProperty("policy");
            Assert.Equal("Answer in English.", declared.GetProperty("system_prefix").GetString());
            Assert.Equal(256, declared.GetProperty("max_output_tokens_cap").GetInt64());
            Assert.Equal(0.2, declared.GetProperty("overrides").GetProperty("temperature").GetDouble());
            Assert.Equal(2, declared.GetProperty("version").GetInt32());
            var other = Assert.Single(policy.GetProperty("channels").EnumerateArray(), c => c.GetProperty("name").GetString() == "second");
            Assert.Equal(JsonValueKind.Null, other.GetProperty("policy").ValueKind);
        }

        using (var query = new HttpRequestMessage(HttpMethod.Get, "v1/policy?key=" + Uri.EscapeDataString(server.DemoKey)))
        using (var response = await server.Http.SendAsync(query))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var anonymous = await server.Http.GetAsync("v1/policy"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var cleared = await SendAsync(server, HttpMethod.Delete, "admin/policies/" + FirstRun.DemoChannelName, server.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        }

        var after = await PolicyAsync(server, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey));
        Assert.All(after.GetProperty("channels").EnumerateArray(), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("policy").ValueKind));

        var entries = ReadConfigEntries(server.DataDirectory);
        Assert.Equal(2, entries.Count(e => Is(e, "policy.set", FirstRun.DemoChannelName) && e.GetProperty("by").GetString() == "admin:" + adminId));
        Assert.Single(entries, e => Is(e, "policy.clear", FirstRun.DemoChannelName));
        // The entries commit to the policy's content (issue 19): what a key holder reads at /v1/policy is what was logged.
        Assert.All(entries.Where(e => Is(e, "policy.set", FirstRun.DemoChannelName)),
            e => Assert.Contains("Answer in English", e.GetProperty("changes")[0].GetProperty("state").GetProperty("system_prefix").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Policy_CliSetShowClear_ReadsThePrefixFromAFile_AndTheCatalogServesIt()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        string prefixFile = Path.Combine(folder.Path, "prefix.txt");
        await File.WriteAllTextAsync(prefixFile, "Line one.\nLine two.\n", Encoding.UTF8);

        var (exit, output) = await CliTests.RunAsync("policy", "set", "--channel", FirstRun.DemoChannelName, "--system-prefix-file", prefixFile,
            "--max-output-tokens", "1000", "--override", "temperature=0.5", "--override", "user=\"team-a\"", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("version 1", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("policy", "show", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("max output tokens: 1000", output, StringComparison.Ordinal);
        Assert.Contains("override: temperature = 0.5", output, StringComparison.Ordinal);
        Assert.Contains("override: user = \"team-a\"", output, StringComparison.Ordinal);
        Assert.Contains("| Line two.", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("policy", "set", "--channel", FirstRun.DemoChannelName, "--override", "temperature=warm", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("not a JSON value", output, StringComparison.Ordinal);

        server.Reload();
        var channelId = server.App.Data.Channels.List().Single(c => c.Name == FirstRun.DemoChannelName).Id;
        var policy = server.App.Services.GetRequiredService<PolicyCatalog>().For(channelId);
        Assert.NotNull(policy);
        Assert.Equal("Line one.\nLine two.", policy.SystemPrefix);
        Assert.Equal(1000, policy.MaxOutputTokensCap);
        Assert.Equal("\"team-a\"", policy.Overrides["user"]);

        (exit, _) = await CliTests.RunAsync("policy", "clear", "--channel", FirstRun.DemoChannelName, "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("policy", "clear", "--channel", FirstRun.DemoChannelName, "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("has no policy", output, StringComparison.Ordinal);
        (_, output) = await CliTests.RunAsync("policy", "show", "--channel", FirstRun.DemoChannelName, "--data", folder.Path);
        Assert.Contains("no policy", output, StringComparison.Ordinal);
        server.Reload();
        Assert.Null(server.App.Services.GetRequiredService<PolicyCatalog>().For(channelId));

        var entries = ReadConfigEntries(folder.Path);
        Assert.Single(entries, e => Is(e, "policy.set", FirstRun.DemoChannelName) && e.GetProperty("by").GetString() == "cli");
        Assert.Single(entries, e => Is(e, "policy.clear", FirstRun.DemoChannelName));
    }

    [Fact]
    public async Task KeyFallback_IsStoredLoggedAndVisibleToTheKeyHolder_AndStrictByDefault()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        string demoId = KeyId(server, server.DemoKey, KeyRole.Client);
        var bearer = (Action<HttpRequestMessage>)(r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey));

        var strict = await PolicyAsync(server, bearer);
        Assert.True(strict.GetProperty("strict").GetBoolean());
        Assert.Empty(strict.GetProperty("fallback_models").EnumerateArray());

        var (exit, output) = await CliTests.RunAsync("keys", "fallback", "--key", demoId, "--models", "sim-large, sim-small", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("sim-large, sim-small", output, StringComparison.Ordinal);
        (_, output) = await CliTests.RunAsync("keys", "list", "--data", folder.Path);
        Assert.Contains("sim-large,sim-small", output, StringComparison.Ordinal);

        server.Reload();
        var opted = await PolicyAsync(server, bearer);
        Assert.False(opted.GetProperty("strict").GetBoolean());
        Assert.Equal(["sim-large", "sim-small"], opted.GetProperty("fallback_models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["sim-large", "sim-small"], server.App.Data.Keys.List().Single(k => k.Id == demoId).FallbackModels);

        // A key may not fall back to a model it may not use.
        var limited = server.App.Data.KeyIssuer.Issue("limited", KeyRole.Client, ["sim-small"], null);
        (exit, output) = await CliTests.RunAsync("keys", "fallback", "--key", limited.Key.Id, "--models", "sim-large", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("may not use 'sim-large'", output, StringComparison.Ordinal);

        using (var viaAdmin = await SendAsync(server, HttpMethod.Put, $"admin/keys/{demoId}/fallback", server.AdminKey, """{"models":[]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, viaAdmin.StatusCode);
            Assert.True(JsonDocument.Parse(await viaAdmin.Content.ReadAsStringAsync()).RootElement.GetProperty("strict").GetBoolean());
        }

        Assert.True((await PolicyAsync(server, bearer)).GetProperty("strict").GetBoolean());
        using (var missing = await SendAsync(server, HttpMethod.Put, "admin/keys/no-such-key/fallback", server.AdminKey, """{"models":["sim-small"]}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        (exit, output) = await CliTests.RunAsync("keys", "fallback", "--key", demoId, "--models", "sim-small", "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("keys", "fallback", "--key", demoId, "--models", "", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("Strict", output, StringComparison.Ordinal);
        Assert.Empty(server.App.Data.Keys.List().Single(k => k.Id == demoId).FallbackModels);

        var entries = ReadConfigEntries(folder.Path);
        Assert.Equal(4, entries.Count(e => Is(e, "key.fallback", demoId)));
        Assert.DoesNotContain(entries, e => Is(e, "key.fallback", limited.Key.Id));
        Assert.DoesNotContain(entries, e => e.GetRawText().Contains(server.DemoKey, StringComparison.Ordinal));
    }

    private static string KeyId(WardenTestServer server, string key, KeyRole role) =>
        server.App.Services.GetRequiredService<KeyDirectory>().Authenticate(key, role).Key!.Id;

    private static async Task<List<JsonElement>> ModelsAsync(WardenTestServer server, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").EnumerateArray().ToList();
    }

    private static async Task<JsonElement> PolicyAsync(WardenTestServer server, Action<HttpRequestMessage> placeKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/policy");
        placeKey(request);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static Task<HttpResponseMessage> SendAsync(WardenTestServer server, HttpMethod method, string path, string key, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return server.Http.SendAsync(request);
    }

    private static bool Is(JsonElement entry, string action, string subject) =>
        entry.GetProperty("action").GetString() == action && entry.GetProperty("subject").GetString() == subject;

    private static List<JsonElement> ReadConfigEntries(string dataDirectory)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(dataDirectory, DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM log_entries WHERE kind = 'config' ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<JsonElement>();
        while (reader.Read())
        {
            entries.Add(JsonDocument.Parse((byte[])reader.GetValue(0)).RootElement.Clone());
        }

        return entries;
    }
}
