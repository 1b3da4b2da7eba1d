using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Console.Customers;

/// <summary>
/// The customer side in a real Chromium: an operator invites a customer from the console, the customer accepts,
/// redeems a code, creates a key, a request is sent with it, and its receipt verifies in the browser (WebCrypto,
/// public data only); receipts, checkpoints and proofs tampered in transit fail at the right step; and the verifier's
/// Merkle code agrees with an independent RFC 6962 implementation written here.
/// </summary>
public sealed class CustomerBrowserTests(ConsoleBrowser browser) : IClassFixture<ConsoleBrowser>
{
    [Fact]
    public async Task Customer_AcceptsInvitation_RedeemsCreatesKey_AndVerifiesTheReceiptInTheBrowser()
    {
        await using var server = await WardenTestServer.StartAsync();
        var data = server.App.Data;
        Assert.Null(data.Billing.Tenants.Add("acme", "USD").Problem);
        var (_, codes, codeProblem) = data.Billing.Codes.CreateBatch(1, 5_000_000, "USD");
        Assert.Null(codeProblem);

        // The operator invites a customer from the console.
        var operatorPage = await browser.NewPageAsync(server.Url);
        await operatorPage.GotoAsync("/console/login");
        await operatorPage.Locator("#admin-key").FillAsync(server.AdminKey);
        await operatorPage.Locator("form.stack button").ClickAsync();
        await operatorPage.GotoAsync("/console/accounts");
        await operatorPage.GetByLabel("Tenant").First.SelectOptionAsync(new SelectOptionValue { Label = "acme" });
        await operatorPage.GetByRole(AriaRole.Button, new() { Name = "Create invitation link" }).ClickAsync();
        string link = await operatorPage.GetByLabel("Invitation link").InputValueAsync();
        await ConsoleBrowser.ScreenshotAsync(operatorPage, "accounts-invited");
        await operatorPage.Context.CloseAsync();

        // The customer accepts in another browser, redeems the code and creates a key.
        var page = await browser.NewPageAsync(server.Url);
        await page.GotoAsync(link);
        await page.GetByLabel("Name").FillAsync("alice");
        await page.GetByLabel("Password").FillAsync(CustomerWorld.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/my$"));
        await page.GotoAsync("/console/my/redeem");
        await page.GetByLabel("Code").FillAsync(codes[0]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Redeem" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("5.000000 USD");
        await page.GotoAsync("/console/my/keys");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("alice-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        string key = await page.GetByLabel("New key").InputValueAsync();
        await ConsoleBrowser.ScreenshotAsync(page, "my-keys");

        using var chat = await server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hello from the customer")));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        string requestId = chat.Headers.GetValues("x-request-id").Single();
        await server.FlushUsageAsync();

        await page.GotoAsync("/console/my?period=hour");
        await Assertions.Expect(page.Locator("svg.chart rect.bar")).Not.ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(page, "my-overview");
        await page.GotoAsync("/console/my/receipts");
        var row = page.Locator("table.receipts tbody tr").Filter(new() { HasText = requestId });
        await Assertions.Expect(row).ToContainTextAsync("sim-small");
        Assert.DoesNotContain("hello from the customer", await page.ContentAsync(), StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, "my-receipts");
        await row.GetByRole(AriaRole.Link, new() { Name = "Verify the receipt of request " + requestId }).ClickAsync();

        await VerifyAsync(page);
        foreach (string step in (string[])["signature", "checkpoint", "inclusion"])
        {
            await Assertions.Expect(Step(page, step)).ToHaveAttributeAsync("data-state", "pass");
            await Assertions.Expect(Step(page, step).Locator(".state")).ToHaveTextAsync("passed");
        }

        await Assertions.Expect(page.Locator(".verdict")).ToHaveTextAsync("Verified: every check passed.");
        await ConsoleBrowser.ScreenshotAsync(page, "my-verify");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TamperedReceiptCheckpointOrProof_FailsAtItsStep()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");

        // The receipt's payload changed in transit: its signature fails (and so does its inclusion: another leaf).
        var page = await SignedInAsync(server, world);
        await page.RouteAsync("**/console/my/verify?handler=Jws*", async route =>
        {
            var original = await route.FetchAsync();
            // A version 2 receipt (docs/trust.md, "Batched signatures"): H~C~I~P, the claims C bound to H's signed root.
            string[] parts = (await original.TextAsync()).Split('~');
            Assert.Equal(4, parts.Length);
            string claims = Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("sim-small", "sim-large", StringComparison.Ordinal);
            Assert.NotEqual(Encoding.UTF8.GetString(Base64UrlDecode(parts[1])), claims);
            await route.FulfillAsync(new() { Response = original, Body = string.Join('~', parts[0], Base64UrlEncode(Encoding.UTF8.GetBytes(claims)), parts[2], parts[3]) });
        });
        await VerifyAsync(page);
        await Assertions.Expect(Step(page, "signature")).ToHaveAttributeAsync("data-state", "fail");
        await Assertions.Expect(Step(page, "signature").Locator(".detail")).ToHaveTextAsync("the signature does not verify");
        await Assertions.Expect(Step(page, "checkpoint")).ToHaveAttributeAsync("data-state", "pass");
        await Assertions.Expect(Step(page, "inclusion")).ToHaveAttributeAsync("data-state", "fail");
        await Assertions.Expect(page.Locator(".verdict")).ToHaveAttributeAsync("data-state", "fail");
        await ConsoleBrowser.ScreenshotAsync(page, "my-verify-tampered");
        await page.Context.CloseAsync();

        // The checkpoint's root hash changed in transit: its signature fails.
        page = await SignedInAsync(server, world);
        await page.RouteAsync("**/v1/transparency/checkpoint", async route =>
        {
            var original = await route.FetchAsync();
            string[] lines = (await original.TextAsync()).Split('\n');
            byte[] root = Convert.FromBase64String(lines[2]);
            root[0] ^= 1;
            lines[2] = Convert.ToBase64String(root);
            await route.FulfillAsync(new() { Response = original, Body = string.Join('\n', lines) });
        });
        await VerifyAsync(page);
        await Assertions.Expect(Step(page, "signature")).ToHaveAttributeAsync("data-state", "pass");
        await Assertions.Expect(Step(page, "checkpoint")).ToHaveAttributeAsync("data-state", "fail");
        await Assertions.Expect(Step(page, "inclusion")).ToHaveAttributeAsync("data-state", "fail");
        await page.Context.CloseAsync();

        // One hash of the inclusion proof changed in transit: the recomputed root differs from the checkpoint's.
        page = await SignedInAsync(server, world);
        var otherKey = server.App.Data.KeyIssuer.Issue("second", Warden.Server.Keys.KeyRole.Client, null, null);
        Assert.Null(server.App.Data.Billing.Tenants.AssignKey(otherKey.Key.Id, world.Tenant.Id));
        server.Reload();
        using (var second = await server.Http.SendAsync(Requests.Chat(otherKey.Plaintext, Requests.Body("sim-small", "a second leaf"))))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        await server.FlushUsageAsync();
        await page.RouteAsync("**/v1/transparency/proof/inclusion*", async route =>
        {
            var original = await route.FetchAsync();
            var proof = System.Text.Json.Nodes.JsonNode.Parse(await original.TextAsync())!;
            var hashes = proof["proof"]!.AsArray();
            Assert.NotEmpty(hashes);
            byte[] first = Convert.FromBase64String(hashes[0]!.GetValue<string>());
            first[^1] ^= 1;
            hashes[0] = Convert.ToBase64String(first);
            await route.FulfillAsync(new() { Response = original, Body = proof.ToJsonString() });
        });
        await VerifyAsync(page);
        await Assertions.Expect(Step(page, "signature")).ToHaveAttributeAsync("data-state", "pass");
        await Assertions.Expect(Step(page, "checkpoint")).ToHaveAttributeAsync("data-state", "pass");
        await Assertions.Expect(Step(page, "inclusion")).ToHaveAttributeAsync("data-state", "fail");
        await Assertions.Expect(Step(page, "inclusion").Locator(".detail")).ToHaveTextAsync("the proof leads to another root than the checkpoint's");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task VerifierMerkleCode_AgreesWithAnIndependentRfc6962Implementation()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");
        var page = await SignedInAsync(server, world);

        // Every leaf of every tree of 1 to 17 leaves: the proof (RFC 6962 §2.1.1 PATH) and the root (MTH) from the
        // test's own implementation; the root the page's script recomputes from leaf, index, size and proof must match.
        var cases = new List<object[]>();
        var expected = new List<string>();
        for (int size = 1; size <= 17; size++)
        {
            var leaves = Enumerable.Range(0, size).Select(i => Rfc6962.LeafHash(Encoding.UTF8.GetBytes("entry " + i))).ToList();
            string root = Convert.ToHexStringLower(Rfc6962.Root(leaves));
            for (int index = 0; index < size; index++)
            {
                cases.Add([Convert.ToHexStringLower(leaves[index]), index, size, Rfc6962.Path(index, leaves).Select(Convert.ToHexStringLower).ToArray()]);
                expected.Add(root);
            }
        }

        var computed = await page.EvaluateAsync<string[]>(
            """
            async (cases) => {
              const V = globalThis.WardenVerify;
              const out = [];
              for (const [leaf, index, size, proof] of cases) {
                const root = await V.rootFromInclusion(V.fromHex(leaf), index, size, proof.map(V.fromHex));
                out.push(root ? V.toHex(root) : "invalid");
              }
              return out;
            }
            """, cases);
        Assert.Equal(expected, computed);

        // A proof for the wrong index, or one hash short, leads nowhere valid.
        var four = Enumerable.Range(0, 4).Select(i => Rfc6962.LeafHash([(byte)i])).ToList();
        string fourRoot = Convert.ToHexStringLower(Rfc6962.Root(four));
        var path = Rfc6962.Path(1, four).Select(Convert.ToHexStringLower).ToArray();
        var wrong = await page.EvaluateAsync<string[]>(
            """
            async ([leaf, path]) => {
              const V = globalThis.WardenVerify;
              const a = await V.rootFromInclusion(V.fromHex(leaf), 2, 4, path.map(V.fromHex));
              const b = await V.rootFromInclusion(V.fromHex(leaf), 1, 4, path.slice(1).map(V.fromHex));
              return [a ? V.toHex(a) : "invalid", b ? V.toHex(b) : "invalid"];
            }
            """, new object[] { Convert.ToHexStringLower(four[1]), path });
        Assert.All(wrong, root => Assert.NotEqual(fourRoot, root));

        // The receipt's leaf hash, as docs/trust.md defines it, computed here without Warden's code.
        string jws = ReadJws(server.App.Data.Database.Open(), world.RequestId);
        string entry = "receipt " + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(jws))) + "\n";
        string leafHash = Convert.ToHexStringLower(Rfc6962.LeafHash(Encoding.UTF8.GetBytes(entry)));
        string fromScript = await page.EvaluateAsync<string>("async (jws) => globalThis.WardenVerify.toHex(await globalThis.WardenVerify.receiptLeafHash(jws))", jws);
        Assert.Equal(leafHash, fromScript);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task VerifierReadsAVkeyWhoseKeyBase64HoldsAPlus()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");
        var page = await SignedInAsync(server, world);

        // A C2SP vkey "<name>+<key id hex>+<base64(0x01 ‖ key)>" (c2sp.org/signed-note), built here from the
        // specification: the key id is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]. Standard base64 uses "+", so the key part
        // can hold one (about half of all keys do): the script must split at the first two "+" only.
        const string Name = "example.test/log";
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(0xF8 + i)).ToArray();
        byte[] typed = [0x01, .. key];
        string keyB64 = Convert.ToBase64String(typed);
        Assert.Contains('+', keyB64);
        byte[] id = SHA256.HashData([.. Encoding.UTF8.GetBytes(Name), 0x0A, .. typed])[..4];
        string vkey = Name + "+" + Convert.ToHexStringLower(id) + "+" + keyB64;

        var parsed = await page.EvaluateAsync<string[]?>(
            """
            async (text) => {
              const V = globalThis.WardenVerify;
              const k = await V.parseVkey(text);
              return k ? [k.name, V.toHex(k.id), V.toHex(k.publicKey)] : null;
            }
            """, vkey);
        Assert.NotNull(parsed);
        Assert.Equal([Name, Convert.ToHexStringLower(id), Convert.ToHexStringLower(key)], parsed);

        // A wrong key id is still refused.
        var wrong = await page.EvaluateAsync<bool>("async (text) => (await globalThis.WardenVerify.parseVkey(text)) === null",
            Name + "+00000000+" + keyB64);
        Assert.True(wrong);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ChineseLocale_ShowsNoEnglishString_OnAnyCustomerPage()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");
        var store = server.App.Services.GetRequiredService<Warden.Server.Console.Customers.CustomerAccountStore>();
        var page = await browser.NewPageAsync(server.Url, "zh-CN");
        await page.GotoAsync("/console/my/invitation?token=" + store.Invite(world.Tenant.Id, "test").Token);
        await ConsoleBrowserTests.AssertNoEnglishAsync(page, "invitation");
        await page.GotoAsync("/console/my/login");
        await ConsoleBrowserTests.AssertNoEnglishAsync(page, "login");
        await page.Locator("#name").FillAsync(world.Account.Name);
        await page.Locator("#password").FillAsync(CustomerWorld.Password);
        await page.Locator("form.stack button").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/my$"));

        foreach (string path in (string[])["/console/my", "/console/my/keys", "/console/my/redeem", "/console/my/receipts", "/console/my/security", "/console/my/verify?id=" + world.RequestId])
        {
            await page.GotoAsync(path);
            Assert.Equal("zh-Hans", await page.Locator("html").GetAttributeAsync("lang"));
            await ConsoleBrowserTests.AssertNoEnglishAsync(page, path);
        }

        // The verifier's results come from the page's own strings, in the page's language.
        await page.Locator("#verify").ClickAsync();
        await Assertions.Expect(page.Locator(".verdict")).ToHaveAttributeAsync("data-state", "pass");
        await ConsoleBrowserTests.AssertNoEnglishAsync(page, "verified");
        await ConsoleBrowser.ScreenshotAsync(page, "zh-my-verify");

        // TOTP enrolment, in Chinese too.
        await page.GotoAsync("/console/my/security");
        await page.Locator("main form button").ClickAsync();
        await Assertions.Expect(page.Locator("#totp-secret")).ToHaveCountAsync(1);
        await ConsoleBrowserTests.AssertNoEnglishAsync(page, "totp enrolment");
        await page.Context.CloseAsync();
    }

    private static string ReadJws(System.Data.Common.DbConnection connection, string requestId)
    {
        using (connection)
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT jws FROM receipts WHERE request_id = @id";
            Warden.Server.Storage.StorageCommands.AddWithValue(command.Parameters, "@id", requestId);
            return (string)command.ExecuteScalar()!;
        }
    }

    private async Task<IPage> SignedInAsync(WardenTestServer server, CustomerWorld world)
    {
        var page = await browser.NewPageAsync(server.Url);
        await page.GotoAsync("/console/my/login");
        await page.GetByLabel("Name").FillAsync(world.Account.Name);
        await page.GetByLabel("Password").FillAsync(CustomerWorld.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/my$"));
        await page.GotoAsync("/console/my/verify?id=" + world.RequestId);
        return page;
    }

    private static async Task VerifyAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(page.Locator(".verdict")).Not.ToHaveAttributeAsync("data-state", new Regex("^(pending|running)$"));
    }

    private static ILocator Step(IPage page, string name) => page.Locator($"[data-step=\"{name}\"]");

    private static byte[] Base64UrlDecode(string text)
    {
        string b64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
