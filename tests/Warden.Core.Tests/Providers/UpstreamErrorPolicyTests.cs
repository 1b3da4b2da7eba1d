using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Tests.Providers;

public class UpstreamErrorPolicyTests
{
    [Fact]
    public void For_EveryKind_HasAnErrorStatusAndType()
    {
        foreach (var kind in Enum.GetValues<UpstreamErrorKind>())
        {
            var treatment = UpstreamErrorPolicy.For(kind);

            Assert.InRange(treatment.ClientStatus, 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(treatment.ErrorType), $"{kind} has no error type");
        }
    }

    [Fact]
    public void For_EveryKind_SendsRetryAfterOnlyForRateLimitedAndOverloaded()
    {
        foreach (var kind in Enum.GetValues<UpstreamErrorKind>())
        {
            bool expected = kind is UpstreamErrorKind.RateLimited or UpstreamErrorKind.Overloaded;

            Assert.True(expected == UpstreamErrorPolicy.For(kind).SendRetryAfter, $"{kind}: SendRetryAfter should be {expected}");
        }
    }

    [Fact]
    public void For_EveryKindSendingRetryAfter_IsRetryableWith429Or503()
    {
        foreach (var kind in Enum.GetValues<UpstreamErrorKind>())
        {
            var treatment = UpstreamErrorPolicy.For(kind);
            if (treatment.SendRetryAfter)
            {
                Assert.Contains(treatment.ClientStatus, new[] { 429, 503 });
                Assert.True(treatment.Retryable, $"{kind} sends Retry-After but is not retryable");
            }
        }
    }

    [Theory]
    [InlineData(UpstreamErrorKind.RateLimited, 429)]
    [InlineData(UpstreamErrorKind.Overloaded, 503)]
    public void For_RateLimitedAndOverloaded_MapToStatusWithRetryAfter(UpstreamErrorKind kind, int status)
    {
        var treatment = UpstreamErrorPolicy.For(kind);

        Assert.Equal(status, treatment.ClientStatus);
        Assert.True(treatment.SendRetryAfter);
        Assert.True(treatment.Retryable);
    }

    [Fact]
    public void For_OnlyTheKeysOwnFailures_CountAgainstItsHealth()
    {
        // A failure the request caused (a 4xx, an oversized answer, a large body the upstream dropped) or a 429 (a
        // cool-down instead) never counts toward opening the circuit: one client cannot pause a model for everyone.
        foreach (var kind in Enum.GetValues<UpstreamErrorKind>())
        {
            bool expected = kind is not (UpstreamErrorKind.RequestRejected or UpstreamErrorKind.ResponseTooLarge
                or UpstreamErrorKind.RequestBodyDropped or UpstreamErrorKind.RateLimited);
            Assert.True(expected == UpstreamErrorPolicy.For(kind).CountsAgainstHealth, $"{kind}: CountsAgainstHealth should be {expected}");
        }
    }

    [Fact]
    public void For_RequestBodyDropped_Is413ToTheClient_AndRetriedElsewhere()
    {
        var treatment = UpstreamErrorPolicy.For(UpstreamErrorKind.RequestBodyDropped);
        Assert.Equal(413, treatment.ClientStatus);
        Assert.True(treatment.Retryable);
        var error = UpstreamErrorPolicy.ToClientError(new UpstreamError(UpstreamErrorKind.RequestBodyDropped, "dropped"));
        Assert.Equal(ClientErrorKind.RequestTooLarge, error.Kind);
        Assert.Equal("request_too_large", error.Code);
    }

    [Fact]
    public void For_RequestRejected_IsNotRetryable()
    {
        // Sending the same refused request to another channel would only be refused again.
        var treatment = UpstreamErrorPolicy.For(UpstreamErrorKind.RequestRejected);

        Assert.False(treatment.Retryable);
        Assert.Equal(400, treatment.ClientStatus);
    }

    [Fact]
    public void For_CredentialRejected_DoesNotTellTheClient401Or403()
    {
        // The channel's credential is the operator's problem; the client's own key was fine.
        var status = UpstreamErrorPolicy.For(UpstreamErrorKind.CredentialRejected).ClientStatus;

        Assert.NotEqual(401, status);
        Assert.NotEqual(403, status);
        Assert.InRange(status, 500, 599);
    }

    [Fact]
    public void For_UndefinedKind_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UpstreamErrorPolicy.For((UpstreamErrorKind)999));
    }

    [Fact]
    public void DefaultRetryAfter_IsPositive()
    {
        Assert.True(UpstreamErrorPolicy.DefaultRetryAfter > TimeSpan.Zero);
    }

    [Theory]
    [InlineData(429, UpstreamErrorKind.RateLimited)]
    [InlineData(503, UpstreamErrorKind.Overloaded)]
    [InlineData(529, UpstreamErrorKind.Overloaded)]
    [InlineData(401, UpstreamErrorKind.CredentialRejected)]
    [InlineData(403, UpstreamErrorKind.CredentialRejected)]
    [InlineData(500, UpstreamErrorKind.ServerError)]
    [InlineData(502, UpstreamErrorKind.ServerError)]
    [InlineData(504, UpstreamErrorKind.ServerError)]
    [InlineData(520, UpstreamErrorKind.ServerError)]
    [InlineData(400, UpstreamErrorKind.RequestRejected)]
    [InlineData(404, UpstreamErrorKind.RequestRejected)]
    [InlineData(413, UpstreamErrorKind.RequestRejected)]
    [InlineData(422, UpstreamErrorKind.RequestRejected)]
    public void Classify_UpstreamStatus_ReturnsKind(int status, UpstreamErrorKind expected)
    {
        Assert.Equal(expected, UpstreamErrorPolicy.Classify(status));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(413)]
    [InlineData(422)]
    public void ClientStatus_RequestRejectedWith4xx_KeepsUpstreamStatus(int upstreamStatus)
    {
        var error = new UpstreamError(UpstreamErrorKind.RequestRejected, "m", upstreamStatus);

        Assert.Equal(upstreamStatus, UpstreamErrorPolicy.ClientStatus(error));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(500)]
    [InlineData(302)]
    public void ClientStatus_RequestRejectedWithout4xx_UsesTableStatus(int? upstreamStatus)
    {
        var error = new UpstreamError(UpstreamErrorKind.RequestRejected, "m", upstreamStatus);

        Assert.Equal(400, UpstreamErrorPolicy.ClientStatus(error));
    }

    [Theory]
    [InlineData(UpstreamErrorKind.RateLimited, 429, 429)]
    [InlineData(UpstreamErrorKind.Overloaded, 529, 503)]
    [InlineData(UpstreamErrorKind.Overloaded, 503, 503)]
    [InlineData(UpstreamErrorKind.ServerError, 500, 502)]
    [InlineData(UpstreamErrorKind.ServerError, 504, 502)]
    [InlineData(UpstreamErrorKind.CredentialRejected, 401, 502)]
    [InlineData(UpstreamErrorKind.CredentialRejected, 403, 502)]
    [InlineData(UpstreamErrorKind.Timeout, null, 504)]
    [InlineData(UpstreamErrorKind.ConnectFailed, null, 502)]
    public void ClientStatus_OtherKinds_UsesTableNotUpstreamStatus(UpstreamErrorKind kind, int? upstreamStatus, int expected)
    {
        var error = new UpstreamError(kind, "m", upstreamStatus);

        Assert.Equal(expected, UpstreamErrorPolicy.ClientStatus(error));
    }

    [Fact]
    public void ClientStatus_EveryNonRejectedKindWith4xxUpstream_UsesTableStatus()
    {
        foreach (var kind in Enum.GetValues<UpstreamErrorKind>().Where(k => k != UpstreamErrorKind.RequestRejected))
        {
            var error = new UpstreamError(kind, "m", 418);

            Assert.Equal(UpstreamErrorPolicy.For(kind).ClientStatus, UpstreamErrorPolicy.ClientStatus(error));
        }
    }
}
