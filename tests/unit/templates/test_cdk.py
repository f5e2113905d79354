"""A CDK app's synthesized template (``cdk synth``: cdk.out/<Stack>.template.json): functions and
layers whose code is an asset folder next to it, a Function URL, and the bucket notifications
CDK puts on with its ``Custom::S3BucketNotifications`` resource."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("moto")

from pytest_lambda.templates.app import Application

ASSET = "asset.3f1c9a0e5b7d2c4a6e8f0b1d3c5e7a9b"
LAYER = "asset.9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d"


def _template() -> dict[str, object]:
    bucket = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}
    return {
        "Parameters": {"BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/hnb659fds/version"}},
        "Resources": {
            "FnServiceRoleB9001A96": {"Type": "AWS::IAM::Role", "Properties": {}},
            "SharedLayer1A2B3C4D": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {"Content": {"S3Bucket": bucket, "S3Key": "layer.zip"}},
                "Metadata": {"aws:asset:path": LAYER, "aws:asset:property": "Content"}},
            "Fn9270CBC0": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": bucket, "S3Key": "3f1c.zip"},
                    "Handler": "index.handler", "Runtime": "python3.12",
                    "Role": {"Fn::GetAtt": ["FnServiceRoleB9001A96", "Arn"]},
                    "Layers": [{"Ref": "SharedLayer1A2B3C4D"}]},
                "DependsOn": ["FnServiceRoleB9001A96"],
                "Metadata": {"aws:cdk:path": "Shop/Fn/Resource", "aws:asset:path": ASSET,
                             "aws:asset:is-bundled": False, "aws:asset:property": "Code"}},
            "FnFunctionUrl1E2F3A4B": {
                "Type": "AWS::Lambda::Url",
                "Properties": {"AuthType": "NONE",
                               "TargetFunctionArn": {"Fn::GetAtt": ["Fn9270CBC0", "Arn"]}}},
            "UploadsD7D3E0B1": {"Type": "AWS::S3::Bucket"},
            "JobsQueue8A1B2C3D": {"Type": "AWS::SQS::Queue"},
            "UploadsNotifications1F2E3D4C": {
                "Type": "Custom::S3BucketNotifications",
                "Properties": {
                    "ServiceToken": {"Fn::GetAtt": ["BucketNotificationsHandler", "Arn"]},
                    "BucketName": {"Ref": "UploadsD7D3E0B1"},
                    "NotificationConfiguration": {
                        "LambdaFunctionConfigurations": [{
                            "Events": ["s3:ObjectCreated:*"],
                            "Filter": {"Key": {"FilterRules": [
                                {"Name": "suffix", "Value": ".jpg"}]}},
                            "LambdaFunctionArn": {"Fn::GetAtt": ["Fn9270CBC0", "Arn"]}}],
                        "QueueConfigurations": [{
                            "Events": ["s3:ObjectRemoved:*"],
                            "QueueArn": {"Fn::GetAtt": ["JobsQueue8A1B2C3D", "Arn"]}}]},
                    "Managed": True}},
            "CDKMetadata": {"Type": "AWS::CDK::Metadata",
                            "Properties": {"Analytics": "v2:deflate64:H4sI"}},
        },
    }


def test_cdk_assets_are_the_code_and_layer_folders(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    (out / ASSET).mkdir(parents=True)
    (out / ASSET / "index.py").write_text(
        "import shared\ndef handler(event, context):\n    return shared.WHO\n")
    (out / LAYER / "python").mkdir(parents=True)
    (out / LAYER / "python" / "shared.py").write_text("WHO = 'layer'\n")
    template = out / "Shop.template.json"
    template.write_text(json.dumps(_template()))
    with Application(template) as app:
        assert app.function("Fn9270CBC0").invoke({}).payload == "layer"
        url = app.http.for_api(app.function("Fn9270CBC0").name)
        assert url.get("/").json() == "layer"
        s3 = app.client("s3")
        s3.put_object(Bucket="uploadsd7d3e0b1", Key="a.jpg", Body=b"x")
        s3.put_object(Bucket="uploadsd7d3e0b1", Key="a.txt", Body=b"x")
        assert [r.payload for r in app.drain()] == ["layer"]  # the .jpg only
        s3.delete_object(Bucket="uploadsd7d3e0b1", Key="a.txt")
        queue = app.resources["JobsQueue8A1B2C3D"].physical_id
        messages = app.client("sqs").receive_message(QueueUrl=queue,
                                                     MaxNumberOfMessages=10)["Messages"]
        # S3's s3:TestEvent when the configuration was put, then the removal
        assert any("ObjectRemoved" in m["Body"] for m in messages)
