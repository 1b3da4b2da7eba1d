using System.Security.Cryptography;
using Warden.Server.Console.Customers;
using Warden.Server.Hosting;
using Warden.Server.Tests.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Console.Customers;

/// <summary>
/// Customer accounts on a real SQLite data folder with a manual clock: one-time expiring invitations, Argon2id
/// passwords, TOTP enrolment and sign-in with replay refused, recovery codes used once, disabling.
/// </summary>
public sealed class CustomerAccountStoreTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly ManualTimeProvider _clock = new();
    private readonly DataFolder _data;
    private readonly CustomerAccountStore _store;
    private readonly string _tenantId;

    public CustomerAccountStoreTests()
    {
        _data = DataFolder.Open(_folder.Path, null, _clock);
        _store = new CustomerAccountStore(_data.Database, _data.Ring, _clock);
        _tenantId = _data.Billing.Tenants.Add("acme", "USD").Tenant!.Id;
    }

    [Fact]
    public void Invitation_IsStoredOnlyAsHash_AndWorksOnce()
    {
        var invitation = _store.Invite(_tenantId, "test");
        Assert.Equal(43, invitation.Token.Length);
        Assert.Equal(_tenantId, _store.OpenInvitationTenant(invitation.Token));
        Assert.DoesNotContain(invitation.Token, DatabaseText(), StringComparison.Ordinal);

        var (account, problem) = _store.Accept(invitation.Token, "alice", "correct horse battery");
        Assert.Null(problem);
        Assert.Equal(_tenantId, account!.TenantId);

        Assert.Null(_store.OpenInvitationTenant(invitation.Token));
        Assert.Equal("My.Invitation.Invalid", _store.Accept(invitation.Token, "mallory", "correct horse battery").Problem);
    }

    [Fact]
    public void Invitation_PastItsLifetime_IsRefused()
    {
        var invitation = _store.Invite(_tenantId, "test");
        _clock.Advance(CustomerAccountStore.InvitationLifetime + TimeSpan.FromSeconds(1));

        Assert.Null(_store.OpenInvitationTenant(invitation.Token));
        Assert.Equal("My.Invitation.Invalid", _store.Accept(invitation.Token, "alice", "correct horse battery").Problem);
    }

    [Fact]
    public void Accept_ShortPasswordOrTakenName_IsRefusedAndLeavesTheInvitationOpen()
    {
        var first = _store.Invite(_tenantId, "test");
        Assert.Null(_store.Accept(first.Token, "alice", "correct horse battery").Problem);

        var second = _store.Invite(_tenantId, "test");
        Assert.Equal("My.Invitation.PasswordProblem", _store.Accept(second.Token, "bob", "short").Problem);
        Assert.Equal("My.Invitation.NameTaken", _store.Accept(second.Token, "alice", "correct horse battery").Problem);
        Assert.Equal(_tenantId, _store.OpenInvitationTenant(second.Token));
    }

    [Fact]
    public void Password_IsStoredAsArgon2idPhcWithOwaspParameters()
    {
        Account("alice");
        string stored = ReadScalar("SELECT password_hash FROM customer_accounts WHERE name = 'alice'");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse battery", DatabaseText(), StringComparison.Ordinal);
        Assert.Equal(SignInOutcome.SignedIn, _store.SignIn("alice", "correct horse battery", null).Outcome);
        Assert.Equal(SignInOutcome.Wrong, _store.SignIn("alice", "correct horse batterz", null).Outcome);
        Assert.Equal(SignInOutcome.Wrong, _store.SignIn("nobody", "correct horse battery", null).Outcome);
    }

    [Fact]
    public void Totp_OnceConfirmed_IsRequired_AndAReplayedCodeIsRefused()
    {
        var account = Account("alice");
        string secret = _store.BeginTotp(account.Id)!;
        byte[] key = Base32(secret);

        Assert.Null(_store.ConfirmTotp(account.Id, "000000" == Code(key, _clock.GetUtcNow()) ? "111111" : "000000"));
        var recovery = _store.ConfirmTotp(account.Id, Code(key, _clock.GetUtcNow()));
        Assert.NotNull(recovery);
        Assert.Equal(CustomerAccountStore.RecoveryCodeCount, recovery.Count);

        Assert.Equal(SignInOutcome.CodeNeeded, _store.SignIn("alice", "correct horse battery", null).Outcome);

        // The code used to confirm was spent; the next step's code signs in once, and the same code again is refused.
        Assert.Equal(SignInOutcome.Wrong, _store.SignIn("alice", "correct horse battery", Code(key, _clock.GetUtcNow())).Outcome);
        _clock.Advance(TimeSpan.FromSeconds(30));
        string code = Code(key, _clock.GetUtcNow());
        Assert.Equal(SignInOutcome.SignedIn, _store.SignIn("alice", "correct horse battery", code).Outcome);
        Assert.Equal(SignInOutcome.Wrong, _store.SignIn("alice", "correct horse battery", code).Outcome);

        // A code from an earlier step, still inside the network-delay window, is older than the last used: refused too.
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(SignInOutcome.Wrong, _store.SignIn("alice", "correct horse battery", code).Outcome);
    }

    [Fact]
    public void RecoveryCode_SignsInOnce_AndIsStoredHashed()
    {
        var account = Account("alice");
        byte[] key = Base32(_store.BeginTotp(account.Id)!);
        var recovery = _store.ConfirmTotp(account.Id, Code(key, _clock.GetUtcNow()))!;

        Assert.DoesNotContain(recovery[0], DatabaseText(), StringComparison.Ordinal);
        Assert.Equal(SignInOutcome.SignedIn, _store.SignIn("alice", "correct horse battery", recovery[0].ToUpperInvariant()).Outcome);
        Assert.Equal(SignInOutcome.Wrong, _store.SignIn("alice", "correct horse battery", recovery[0]).Outcome);
    }

    [Fact]
    public void DisabledAccount_CannotSignIn_AndItsSessionsEnd()
    {
        var account = Account("alice");
        var sessions = new CustomerSessions(_store, _clock);
        var session = sessions.Open(account);
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Headers.Cookie = CustomerSessions.CookieName + "=" + session.Id;
        Assert.NotNull(sessions.Find(context));

        Assert.True(_store.Disable(account.Id));

        Assert.Null(sessions.Find(context));
        Assert.Equal(SignInOutcome.Wrong, _store.SignIn("alice", "correct horse battery", null).Outcome);
        Assert.False(_store.Disable(account.Id));
    }

    [Fact]
    public void PasswordHash_NamesItsParameters_AndWeakerOnesNeedRehash()
    {
        string weak = PasswordHash.Hash("correct horse battery", new Argon2Parameters(8 * 1024, 1, 1), RandomNumberGenerator.GetBytes(16));

        Assert.True(PasswordHash.Verify("correct horse battery", weak));
        Assert.True(PasswordHash.NeedsRehash(weak));
        Assert.False(PasswordHash.NeedsRehash(PasswordHash.Hash("correct horse battery")));
        Assert.Null(PasswordHash.Parse("$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
        Assert.False(PasswordHash.Verify("x", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
    }

    [Fact]
    public void Argon2idLibrary_MatchesRfc9106TestVector()
    {
        // RFC 9106 §5.3: password 32 × 0x01, salt 16 × 0x02, secret 8 × 0x03, associated data 12 × 0x04, m=32, t=3, p=4.
        using var argon = new Konscious.Security.Cryptography.Argon2id(Enumerable.Repeat((byte)1, 32).ToArray())
        {
            Salt = Enumerable.Repeat((byte)2, 16).ToArray(),
            KnownSecret = Enumerable.Repeat((byte)3, 8).ToArray(),
            AssociatedData = Enumerable.Repeat((byte)4, 12).ToArray(),
            MemorySize = 32,
            Iterations = 3,
            DegreeOfParallelism = 4,
        };

        Assert.Equal("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659", Convert.ToHexStringLower(argon.GetBytes(32)));
    }

    [Fact]
    public void PasswordHash_AgreesWithLibsodiumsArgon2id()
    {
        // An independent Argon2id (libsodium, through NSec) must derive the same 32 bytes from the stored salt and
        // parameters: the stored hash is standard Argon2id v1.3, checkable by any implementation.
        string phc = PasswordHash.Hash("correct horse battery");
        var (parameters, salt, hash) = PasswordHash.Parse(phc)!.Value;
        var sodium = NSec.Cryptography.PasswordBasedKeyDerivationAlgorithm.Argon2id(new NSec.Cryptography.Argon2Parameters
        {
            DegreeOfParallelism = parameters.Lanes,
            MemorySize = parameters.MemoryKiB,
            NumberOfPasses = parameters.Passes,
        });

        Assert.Equal(hash, sodium.DeriveBytes(System.Text.Encoding.UTF8.GetBytes("correct horse battery"), salt, hash.Length));
    }

    public void Dispose() => _folder.Dispose();

    private CustomerAccount Account(string name) =>
        _store.Accept(_store.Invite(_tenantId, "test").Token, name, "correct horse battery").Account!;

    // RFC 6238 with HMAC-SHA1, 30-second steps and 6 digits, written from the RFC (not with the library under test).
    private static string Code(byte[] key, DateTimeOffset at)
    {
        long step = at.ToUnixTimeSeconds() / 30;
        byte[] counter = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(counter);
        }

#pragma warning disable CA5350 // RFC 6238's default, which authenticator apps use: HMAC-SHA1 is sound as a MAC.
        byte[] mac = HMACSHA1.HashData(key, counter);
#pragma warning restore CA5350
        int offset = mac[^1] & 0x0f;
        int binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (char c in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }

    private string ReadScalar(string sql)
    {
        using var connection = _data.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)command.ExecuteScalar()!;
    }

    private string DatabaseText()
    {
        using var connection = _data.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        command.ExecuteNonQuery();
        return System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(_data.Database.Path));
    }
}
