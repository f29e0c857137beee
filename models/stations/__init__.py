"""Volunteer stations (志愿服务驿站): fixed service points with their linked teams, managed by
admins and those teams' coordinators, and what is near a shared location (stations and
activities with open places)."""
