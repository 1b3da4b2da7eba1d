using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Warden.Server.Billing;
using Warden.Server.Residency;
using Warden.Server.Usage;

namespace Warden.Server.Endpoints;

/// <summary>
/// The OpenAPI document of the admin API (and the payment webhooks) at <c>/openapi/v1.json</c>, so an operator can
/// script everything the console does (issue 23). The handlers read and write their JSON themselves through
/// source-generated contexts, so what each operation takes and returns is declared here, in one table: a route
/// mapped under <c>/admin</c> without a row here has no name and fails <c>OpenApiDocumentTests</c>.
/// </summary>
internal static class AdminApiDescription
{
    public const string DocumentPath = "/openapi/{documentName}.json";
    public const string SecurityScheme = "admin_key";

    /// <summary>Method and route → operation id, summary, request body type, response type and success status.</summary>
    public static readonly IReadOnlyDictionary<string, (string Id, string Summary, Type? Request, Type? Response, int Status)> Operations =
        new Dictionary<string, (string, string, Type?, Type?, int)>(StringComparer.Ordinal)
        {
            ["GET admin/keys"] = ("listKeys", "List client and admin keys (hints only, never a key).", null, typeof(List<KeyView>), 200),
            ["POST admin/keys"] = ("createKey", "Create a key; its secret appears once, in this response.", typeof(CreateKeyRequest), typeof(CreatedKeyView), 201),
            ["DELETE admin/keys/{id}"] = ("revokeKey", "Revoke a key.", null, null, 204),
            ["PUT admin/keys/{id}/fallback"] = ("setFallbackModels", "Set a key's fallback models.", typeof(SetFallbackRequest), typeof(FallbackView), 200),
            ["GET admin/channels"] = ("listChannels", "List channels (never a credential).", null, typeof(List<ChannelView>), 200),
            ["POST admin/channels"] = ("createChannel", "Add a channel; the credential is stored encrypted and never shown again.", typeof(CreateChannelRequest), typeof(ChannelView), 201),
            ["PATCH admin/channels/{idOrName}"] = ("updateChannel", "Edit a channel: enabled, priority, weight, models.", typeof(UpdateChannelRequest), typeof(ChannelView), 200),
            ["DELETE admin/channels/{idOrName}"] = ("removeChannel", "Remove a channel.", null, null, 204),
            ["GET admin/routing/health"] = ("routingHealth", "Health of every upstream key per model: circuit state, cool-downs, latency.", null, typeof(List<KeyHealthView>), 200),
            ["GET admin/usage"] = ("usageSummary", "Requests and tokens per key and model.", null, typeof(List<UsageSummaryRow>), 200),
            ["GET admin/tenants"] = ("listTenants", "List tenants with their balances.", null, typeof(List<TenantView>), 200),
            ["POST admin/tenants"] = ("createTenant", "Create a tenant.", typeof(CreateTenantRequest), typeof(TenantView), 201),
            ["PUT admin/tenants/{tenant}/keys/{keyId}"] = ("assignKeyToTenant", "Make a key a member of a tenant.", null, null, 204),
            ["GET admin/prices"] = ("listPrices", "List price versions.", null, typeof(List<PriceView>), 200),
            ["POST admin/prices"] = ("setPrice", "Add a price version for a model and currency.", typeof(SetPriceRequest), typeof(PriceView), 201),
            ["POST admin/credits/topup"] = ("topUp", "Credit a tenant (or a key's own account).", typeof(CreditRequest), typeof(BalanceView), 200),
            ["POST admin/credits/adjust"] = ("adjustCredit", "Correct a tenant's balance up or down.", typeof(CreditRequest), typeof(BalanceView), 200),
            ["POST admin/credits/redeem"] = ("redeemCode", "Redeem a code for a tenant.", typeof(RedeemRequest), typeof(BalanceView), 200),
            ["POST admin/codes"] = ("createCodes", "Create a batch of redemption codes; they appear once, in this response.", typeof(CreateCodesRequest), typeof(CodeBatchView), 201),
            ["GET admin/ledger/check"] = ("checkLedger", "Recompute the ledger and list every problem.", null, typeof(LedgerCheckView), 200),
            ["GET admin/billing/usage"] = ("billingUsage", "Spend per tenant, key, model or day (JSON, or CSV with format=csv).", null, typeof(List<UsageReportRow>), 200),
            ["GET admin/aliases"] = ("listAliases", "List model aliases.", null, typeof(List<AliasView>), 200),
            ["POST admin/aliases"] = ("addAlias", "Declare a model alias.", typeof(CreateAliasRequest), typeof(AliasView), 201),
            ["DELETE admin/aliases/{name}"] = ("removeAlias", "Remove a model alias.", null, null, 204),
            ["GET admin/policies"] = ("listPolicies", "List channel policies.", null, typeof(List<PolicyView>), 200),
            ["GET admin/policies/{channel}"] = ("getPolicy", "A channel's policy.", null, typeof(PolicyView), 200),
            ["PUT admin/policies/{channel}"] = ("setPolicy", "Set a channel's policy.", typeof(SetPolicyRequest), typeof(PolicyView), 200),
            ["DELETE admin/policies/{channel}"] = ("removePolicy", "Remove a channel's policy.", null, null, 204),
            ["GET admin/protection"] = ("listResidencyRules", "List residency rules.", null, typeof(List<ResidencyRuleView>), 200),
            ["PUT admin/protection/tenants/{tenant}"] = ("setTenantResidency", "Set a tenant's residency rule.", typeof(SetResidencyRuleRequest), typeof(ResidencyRuleView), 200),
            ["PUT admin/protection/keys/{id}"] = ("setKeyResidency", "Set a key's residency rule.", typeof(SetResidencyRuleRequest), typeof(ResidencyRuleView), 200),
            ["DELETE admin/protection/tenants/{tenant}"] = ("removeTenantResidency", "Remove a tenant's residency rule.", null, null, 204),
            ["DELETE admin/protection/keys/{id}"] = ("removeKeyResidency", "Remove a key's residency rule.", null, null, 204),
            ["GET admin/transfers/report"] = ("transferReport", "The transfer register, summarised (JSON, or CSV with format=csv).", null, typeof(List<TransferReportRow>), 200),
            ["GET admin/accounts"] = ("listCustomerAccounts", "List customer accounts (names, tenants, two-step sign-in and disabled state; never a password hash).", null, null, 200),
            ["POST admin/accounts/invitations"] = ("inviteCustomer", "Create a one-time invitation link for a customer account in a tenant; the link appears once, in this response.", null, null, 201),
            ["POST admin/accounts/{id}/disable"] = ("disableCustomerAccount", "Disable a customer account; its sessions end at once.", null, null, 204),
            ["POST admin/payments"] = ("createPayment", "Create a payment order for a tenant and its checkout with a provider.", typeof(CreatePaymentRequest), typeof(CreatedPaymentView), 201),
            ["GET admin/payments"] = ("listPayments", "List payment orders, newest first.", null, typeof(List<PaymentOrderView>), 200),
            ["POST v1/payments/stripe/webhook"] = ("stripeWebhook", "Stripe's webhook: verified by Stripe-Signature; credits a paid Checkout Session once.", null, typeof(WebhookAnswer), 200),
            ["POST v1/payments/alipay/notify"] = ("alipayNotify", "Alipay's asynchronous notification (form-encoded, RSA2-signed); answers success or fail.", null, null, 200),
        };

    public static void AddAdminOpenApi(IServiceCollection services)
    {
        // The schemas come from the same source-generated contracts the handlers write, in snake_case like the wire.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, PaymentJsonContext.Default);
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
        });
        services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = d => d.RelativePath is { } path && (path.StartsWith("admin/", StringComparison.Ordinal) || path.StartsWith("v1/payments/", StringComparison.Ordinal));
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Warden admin API",
                    Version = "v1",
                    Description = "Keys, channels, tenants, prices, credits, codes, payments, policies and residency: what the console does. "
                        + "Amounts are integer micro-units. Every /admin route needs an admin key as 'Authorization: Bearer <key>'.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecurityScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An admin key (warden keys create --role admin).",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DescribeAsync);
        });
    }

    private static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        string key = context.Description.HttpMethod + " " + context.Description.RelativePath;
        if (!Operations.TryGetValue(key, out var described))
        {
            return;
        }

        operation.OperationId = described.Id;
        operation.Summary = described.Summary;
        if (described.Request is { } request)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(request, null, cancellationToken) },
                },
            };
        }

        operation.Responses ??= new OpenApiResponses();
        operation.Responses.Clear();
        var success = new OpenApiResponse { Description = described.Status == 204 ? "Done." : "Success." };
        if (described.Response is { } response)
        {
            success.Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(response, null, cancellationToken) },
            };
        }

        operation.Responses[described.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = success;
        operation.Responses["400"] = new OpenApiResponse { Description = "Invalid input: an OpenAI-style error object naming the problem." };
        if (key.Contains(" admin/", StringComparison.Ordinal))
        {
            operation.Responses["401"] = new OpenApiResponse { Description = "No valid admin key." };
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecurityScheme, context.Document, null)] = [] });
        }
    }
}
