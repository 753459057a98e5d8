"""API tokens: obtain one with a username and password, list and revoke your own; a facility
administrator lists and revokes those of the facility's members."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from scheduling import selectors as scheduling_selectors
from scheduling.api_kernel import FacilityRolePermission, StrictInputSerializer
from scheduling.errors import ApplicationError
from scheduling.parsing import JSONBodyParser
from scheduling.permissions import Action


class ApiTokenObtainInputSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="What the token is for.")


class ApiTokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField(help_text="The key's first characters.")
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class ApiTokenCreatedOutputSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only this once.")


class TokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # Scripts sign in with a form post (curl -d, -F) as often as with JSON: all three are read here.
    parser_classes = [JSONBodyParser, FormParser, MultiPartParser]

    @extend_schema(
        request=ApiTokenObtainInputSerializer,
        responses={200: ApiTokenCreatedOutputSerializer},
        auth=[],
        summary="Obtain an API token",
        description=(
            "A new token for the user, valid for `API_TOKEN_TTL_HOURS`; a user may hold several. "
            "Failed attempts count towards the sign-in lockout shared with the login page and "
            "Django admin: past `LOGIN_FAILURE_LIMIT` failures the answer is 429 `locked_out`."
        ),
    )
    def post(self, request):
        serializer = ApiTokenObtainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        # The Django request, so django-axes can count the failure and flag a lockout on it.
        user = authenticate(request._request, username=fields["username"], password=fields["password"])
        if user is None:
            raise ApplicationError("invalid_credentials", "Unable to sign in with the username and password given.")
        token, key = services.api_token_create(user=user, name=fields.get("name", ""))
        return Response({**ApiTokenOutputSerializer(token).data, "token": key})


class MyTokenListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApiTokenOutputSerializer(many=True), summary="List my API tokens")
    def get(self, request):
        return Response(ApiTokenOutputSerializer(selectors.api_token_list(user=request.user), many=True).data)


class MyTokenApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, summary="Revoke one of my API tokens")
    def delete(self, request, token_id: int):
        token = selectors.api_token_get(user=request.user, token_id=token_id)
        services.api_token_revoke(token=token, actor=request.user)
        return Response(status=204)


class _MemberTokensBase(APIView):
    """Tokens of one member of the facility, for its administrators (``membership.manage``)."""

    permission_classes = [IsAuthenticated, FacilityRolePermission]

    def required_action(self) -> Action:
        return Action.MEMBERSHIP_MANAGE

    def member(self, membership_id: int):
        return scheduling_selectors.membership_get(facility=self.request.facility, membership_id=membership_id).user


class MemberTokenListApi(_MemberTokensBase):
    @extend_schema(responses=ApiTokenOutputSerializer(many=True), summary="List a member's API tokens")
    def get(self, request, facility_slug: str, membership_id: int):
        tokens = selectors.api_token_list(user=self.member(membership_id))
        return Response(ApiTokenOutputSerializer(tokens, many=True).data)


class MemberTokenApi(_MemberTokensBase):
    @extend_schema(responses={204: None}, summary="Revoke a member's API token")
    def delete(self, request, facility_slug: str, membership_id: int, token_id: int):
        token = selectors.api_token_get(user=self.member(membership_id), token_id=token_id)
        services.api_token_revoke(token=token, actor=request.user)
        return Response(status=204)
